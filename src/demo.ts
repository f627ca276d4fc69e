import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openDuck, quoteLiteral } from './connectors/duckdb/connect.js';
import type { Sandbox } from './security/sandbox.js';

const DEMO = 'demo';

/** Writes a small Hive-layout lake: orders partitioned by day and region, in the data folder. */
async function writeDemoLake(folder: string): Promise<void> {
  mkdirSync(folder, { recursive: true });
  const duck = await openDuck(':memory:', { readOnly: false });
  try {
    await duck.all(`COPY (
        SELECT i AS order_id, 'customer ' || (i % 97) AS customer, round(10 + (i % 500) * 1.37, 2)::DECIMAL(10,2) AS amount,
               TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) MINUTE AS ordered_at,
               strftime(DATE '2024-01-01' + (i % 7)::INTEGER, '%Y-%m-%d') AS dt, ['eu', 'us', 'apac'][1 + i % 3] AS region
        FROM range(21000) t(i))
      TO ${quoteLiteral(join(folder, 'orders'))} (FORMAT PARQUET, PARTITION_BY (dt, region))`);
  } finally {
    duck.close();
  }
}

/** How the demo's job ended: what it moved, where to. */
export interface DemoOutcome {
  jobId: number;
  status: string;
  rows: number;
  partitions: number;
  tables: string[];
  errMsg: string | null;
}

/**
 * The one-command demo: a partitioned sample source (a Parquet lake) registered as data source
 * `demo`, scanned, and migrated by job `demo` into the embedded DuckDB destination. Runs once;
 * later starts find the data source and leave it be (`done` is then null).
 */
export async function runDemo(app: FastifyInstance, sandbox: Sandbox): Promise<{ id: number; destination: string; done: Promise<DemoOutcome> | null }> {
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await app.inject({ method, url: `/api/v1/mms${url}`, payload: payload as object, headers: { authorization: `Bearer ${app.accessKeys.internalToken}` } });
    const body = res.json() as { data: any; message?: string };
    if (res.statusCode !== 200) throw new Error(`demo: ${method} ${url}: ${body.message}`);
    return body.data;
  };
  const existing = await call('GET', `/datasources?name=${DEMO}`);
  const at = (id: number, done: Promise<DemoOutcome> | null = null) => ({ id, destination: sandbox.files.defaultDestination(id), done });
  if (existing.total > 0) return at(existing.objectList[0].id as number);
  const lake = join(sandbox.files.roots[0]!, 'demo-lake');
  if (!existsSync(join(lake, 'orders'))) await writeDemoLake(lake);
  const { dataSourceId } = await call('POST', '/datasources', { name: DEMO, type: 'LAKE', config: { source: { path: 'demo-lake' } } });
  const { scanId } = await call('POST', `/datasources/${dataSourceId}/scans`);
  await app.scans.idle();
  const scan = await call('GET', `/datasources/${dataSourceId}/scans/${scanId}`);
  if (scan.status !== 'DONE') throw new Error(`demo: the scan failed: ${scan.errMsg}`);
  const { jobId } = await call('POST', `/datasources/${dataSourceId}/jobs`, { name: DEMO, srcDbName: 'default', others: { 'verify.checksum': true } });
  app.log.info({ dataSourceId, jobId, partitions: scan.result.partitions }, 'demo: migrating the sample lake into the embedded DuckDB destination');
  const done = (async (): Promise<DemoOutcome> => {
    for (;;) {
      const job = await call('GET', `/datasources/${dataSourceId}/jobs/${jobId}`);
      if (job.status === 'DONE' || job.status === 'FAILED') {
        const tasks: { rows: number; partitionDone: number; dstTableName: string; errMsg: string | null }[] = (await call('GET', `/datasources/${dataSourceId}/tasks?jobId=${jobId}&pageSize=100`)).objectList;
        const sum = (f: (t: (typeof tasks)[number]) => number) => tasks.reduce((n, t) => n + f(t), 0);
        return { jobId, status: job.status, rows: sum((t) => t.rows), partitions: sum((t) => t.partitionDone), tables: tasks.map((t) => t.dstTableName), errMsg: tasks.find((t) => t.errMsg)?.errMsg ?? null };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return at(dataSourceId as number, done);
}
