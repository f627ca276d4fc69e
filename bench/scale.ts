// Scale: a catalog of many partitions and a store of many jobs, on the embedded store and on PostgreSQL.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openStore } from '../src/store/store.js';
import { insertJob } from '../src/jobs/ledger/jobs.js';
import type { JobConfig } from '../src/jobs/config.js';
import { createPgDestination } from './data.js';
import { scan, startService, startWorker, type Service } from './service.js';

export interface ScaleRow {
  store: string;
  partitions: number;
  scanSeconds: number;
  previewSeconds: number;
  previewMatched: number;
  jobs: number;
  /** Each list's calls twice over: the first 2,000 after the service started (or scanned), then the next 2,000, as a service running a while. */
  listJobs: [Latency, Latency];
  listPartitions: [Latency, Latency];
}

export interface Latency {
  p50: number;
  p99: number;
  perSecond: number;
}

/** Clients calling at once in the list measurements (the speed issue's goal: ≥ 1,000 req/s, p99 < 50 ms). */
const CONNECTIONS = 8;

/** A lake table of `n` partitions (a=0…, b=0…999), one row each, written by DuckDB in one statement. */
async function partitionedLake(n: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'openmms-bench-lake-'));
  mkdirSync(join(dir, 'scale.db'));
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  await c.run(`COPY (SELECT i AS id, i // 1000 AS a, i % 1000 AS b FROM range(${n}) t(i)) TO '${join(dir, 'scale.db', 'events')}' (FORMAT PARQUET, PARTITION_BY (a, b))`);
  c.closeSync();
  duck.closeSync();
  return dir;
}

/** Calls made `times` times by `connections` clients at once: latency percentiles and requests per second. */
async function latency(times: number, call: (i: number) => Promise<unknown>, connections = 1): Promise<Latency> {
  const ms: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = next++; i < times; i = next++) {
        const t = performance.now();
        await call(i);
        ms.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(ms.length * 0.5)]!, p99: ms[Math.floor(ms.length * 0.99)]!, perSecond: times / seconds };
}

/** `count` jobs straight into the store (creating them through the API would plan and run them). */
async function seedJobs(storeUrl: string, sourceId: number, count: number): Promise<void> {
  const store = await openStore(storeUrl);
  try {
    const db = await store.db.selectFrom('catalog_dbs').select('id').where('source_id', '=', sourceId).executeTakeFirstOrThrow();
    const statuses = ['DONE', 'FAILED', 'INIT', 'DOING'] as const;
    const now = Date.now();
    const config = JSON.stringify({
      partitions: [], tables: ['events'], taskType: null, tableBlackList: [], tableWhiteList: [], partitionFilters: {}, schemaOnly: false,
      tableMapping: {}, increment: true, enableVerification: true, tunnelQuota: null, columnMapping: {}, others: {},
    } satisfies JobConfig);
    for (let i = 0; i < count; i++) {
      await insertJob(
        store.db,
        {
          source_id: sourceId, db_id: db.id, name: `job-${i}`, src_db_name: 'scale', src_schema_name: null, dst_db_name: i % 2 ? 'main' : 'other',
          dst_schema_name: null, type: 'Tables', status: statuses[i % 4]!, stopped: i % 4 === 2 ? 1 : 0, config,
          eta: null, timer_id: null, task_num: 0, task_done: 0, create_time: now + i, update_time: now + i,
        },
        [{ src: 'events', dst: i % 3 ? 'events' : `events_${i % 7}` }],
      );
    }
  } finally {
    await store.close();
  }
}

/**
 * 2,000 calls from CONNECTIONS clients, then 2,000 more. The first include warming up: the
 * service's code compiled as it runs, its heap grown, its kept lists read (at the first call in
 * 2,000 calls: about 0.6 of the rate after).
 */
async function twice(call: (i: number) => Promise<unknown>): Promise<[Latency, Latency]> {
  const first = await latency(2000, call, CONNECTIONS);
  return [first, await latency(2000, (i) => call(i + 2000), CONNECTIONS)];
}

async function measure(svc: Service, store: string, storeUrl: string, lake: string, partitions: number, jobCount: number, log: (s: string) => void): Promise<ScaleRow> {
  const { dataSourceId: id } = await svc.call('POST', '/datasources', { name: 'scale', type: 'LAKE', config: { source: { path: lake } } });
  log(`${store}: scanning ${partitions.toLocaleString('en-US')} partitions`);
  const scanSeconds = await scan(svc, id);
  log(`${store}: planning with a filter, ListMmsPartitions pages`);
  const body = { srcDbName: 'scale', tables: ['events'], partitionFilters: { events: 'a < 10 and b >= 500' } };
  let previewMatched = 0;
  const preview = await latency(3, async () => (previewMatched = (await svc.call('POST', `/datasources/${id}/jobs/preview`, body)).partitionMatched));
  const pages = Math.ceil(partitions / 100);
  const partitionPage = (i: number) => svc.call('GET', `/datasources/${id}/partitions?tableName=events&pageSize=100&pageNum=${1 + ((i * 7919) % pages)}${i % 4 === 0 ? '&value=b%3D9' : ''}${i % 4 === 1 ? '&status=INIT' : ''}`);
  const listPartitions = await twice(partitionPage);
  log(`${store}: ${jobCount.toLocaleString('en-US')} jobs, ListMmsJobs`);
  await seedJobs(storeUrl, id, jobCount);
  const filters = ['', '&status=DONE', '&name=job-12', '&dstTableName=events_3', '&stopped=true', '&sorter.status=desc'];
  const jobPages = Math.ceil(jobCount / 20);
  const listJobs = await twice((i) => svc.call('GET', `/datasources/${id}/jobs?pageSize=20&pageNum=${1 + ((i * 31) % Math.min(jobPages, 50))}${filters[i % filters.length]}`));
  return { store, partitions, scanSeconds, previewSeconds: preview.p50 / 1000, previewMatched, jobs: jobCount, listJobs, listPartitions };
}

/** `stores` (BENCH_SCALE_STORES): `sqlite`, `postgres` or both. */
export async function scale(partitions: number, jobCount: number, stores: string[], log: (s: string) => void): Promise<ScaleRow[]> {
  log(`writing a lake table of ${partitions.toLocaleString('en-US')} partitions`);
  const lake = await partitionedLake(partitions);
  const out: ScaleRow[] = [];
  const embeddedDir = mkdtempSync(join(tmpdir(), 'openmms-bench-scale-'));
  // The services may read the lake's folder, and nothing else of the machine.
  const roots = { OPENMMS_FILE_ROOTS: lake };
  if (stores.includes('sqlite')) {
    const embedded = await startService(embeddedDir, roots);
    try {
      out.push(await measure(embedded, 'SQLite (embedded)', `sqlite:${join(embeddedDir, 'openmms.sqlite')}`, lake, partitions, jobCount, log));
    } finally {
      await embedded.stop();
    }
  }
  if (!stores.includes('postgres')) return out;
  const pgStore = await createPgDestination();
  const env = { ...roots, OPENMMS_STORE_URL: pgStore.url, OPENMMS_SECRET_KEY: randomBytes(32).toString('hex'), OPENMMS_DATA_DIR: mkdtempSync(join(tmpdir(), 'openmms-bench-scale-')) };
  const clustered = await startService(env.OPENMMS_DATA_DIR, env);
  const worker = await startWorker(env); // in cluster mode a worker runs the scan
  try {
    out.push(await measure(clustered, 'PostgreSQL', pgStore.url, lake, partitions, jobCount, log));
  } finally {
    await worker.stop();
    await clustered.stop();
    await pgStore.drop();
  }
  return out;
}
