import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import SqliteDatabase from 'better-sqlite3';
import { openDuck } from '../src/connectors/duckdb/connect.js';
import { SERVING, spawnMms } from './support/processes.js';
import { describe, expect, it } from 'vitest';

const serve = async (args: string[]) => {
  const p = await spawnMms(['serve', '--port', '0', ...args], { OPENMMS_SECRET_KEY: '' }, SERVING);
  return { child: p.child, base: p.match[1]!, output: p.output };
};

describe('mms serve', () => {
  it('--demo migrates a sample partitioned source into the embedded DuckDB', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-demo-'));
    const server = await serve(['--data-dir', dataDir, '--demo']);
    try {
      let job: { status: string; taskNum: number } | undefined;
      for (let i = 0; i < 300 && job?.status !== 'DONE'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await fetch(`${server.base}/api/v1/mms/datasources/1/jobs`);
        if (res.status === 200) job = ((await res.json()) as { data: { objectList: (typeof job)[] } }).data.objectList[0];
      }
      expect(job).toMatchObject({ status: 'DONE', taskNum: 1 });
      expect(server.output()).toContain('Demo: data source "demo"');
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
    const duck = await openDuck(join(dataDir, 'destination.duckdb'), { readOnly: true });
    const [r] = await duck.all<{ n: bigint; parts: bigint }>('SELECT count(*) AS n, count(DISTINCT _mms_partition) AS parts FROM main.orders');
    duck.close();
    expect(r).toEqual({ n: 21000n, parts: 21n });
  });

  it('starts on the embedded store and answers ListMmsJobs over HTTP', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-cli-'));
    new SqliteDatabase(join(dataDir, 'demo.sqlite')).close();
    const { child, base } = await serve(['--data-dir', dataDir]);
    try {
      const post = await fetch(`${base}/api/v1/mms/datasources`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'demo', type: 'SQLITE', config: { source: { path: join(dataDir, 'demo.sqlite') } } }),
      });
      const { data } = (await post.json()) as { data: { dataSourceId: number } };
      const res = await fetch(`${base}/api/v1/mms/datasources/${data.dataSourceId}/jobs`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { requestId: string; data: unknown };
      expect(body.data).toEqual({ total: 0, objectList: [], pageNum: 1, pageSize: 10 });
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
