import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../support/stores.js';
import { openDuck } from '../../src/connectors/duckdb/connect.js';
import { openStore } from '../../src/store/store.js';
import { mmsClient, SERVING, spawnMms, until } from '../support/processes.js';

/** The real server process, as `mms serve` runs it. */
async function startServer(dataDir: string, key: string) {
  const p = await spawnMms(['serve', '--port', '0', '--data-dir', dataDir], { OPENMMS_SECRET_KEY: key, OPENMMS_LOG_LEVEL: 'warn', OPENMMS_LEASE_SECONDS: '6' }, SERVING);
  return { child: p.child, base: p.match[1]! };
}

describe('a server killed mid-copy or mid-scan', () => {
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    src = await createPgDatabase('openmms_crash_src');
    dst = await createPgDatabase('openmms_crash_dst');
    const c = new pg.Client({ connectionString: src.url });
    await c.connect();
    await c.query(`CREATE SCHEMA s; CREATE TABLE s.big (id bigint, pad text) PARTITION BY RANGE (id);
                   CREATE TABLE s.big_1 PARTITION OF s.big FOR VALUES FROM (0) TO (200001);
                   CREATE TABLE s.big_2 PARTITION OF s.big FOR VALUES FROM (200001) TO (400001);
                   INSERT INTO s.big SELECT g, repeat('z', 300) FROM generate_series(1, 400000) g;`);
    await c.end();
  });
  afterAll(async () => {
    await src?.drop();
    await dst?.drop();
  });

  it('finishes after a restart with every row copied once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-crash-'));
    const key = randomBytes(32).toString('hex');
    let server = await startServer(dataDir, key);
    const call = (method: string, path: string, body?: unknown) => mmsClient(server.base)(method, path, body);
    const waitFor = (what: () => Promise<boolean>) => until(what);
    try {
      const { dataSourceId: id } = await call('POST', '/datasources', { name: 'crash', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } });
      const { scanId } = await call('POST', `/datasources/${id}/scans`);
      await waitFor(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE');
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'crashy', srcDbName: 's', dstDbName: 'copy', others: { 'task.partition.max.num': 1 } });
      await waitFor(async () => (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList.some((t: any) => t.running));

      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
      server = await startServer(dataDir, key);

      await waitFor(async () => (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status === 'DONE');
      const c = new pg.Client({ connectionString: dst.url });
      await c.connect();
      const { rows } = await c.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d, min(id)::int AS lo, max(id)::int AS hi FROM copy.big');
      await c.end();
      expect(rows[0]).toEqual({ n: 400000, d: 400000, lo: 1, hi: 400000 });
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit').catch(() => {});
    }
  });

  it('leaves no temporary file of a copy killed mid-way into the default DuckDB destination', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-crash-duck-'));
    const key = randomBytes(32).toString('hex');
    let server = await startServer(dataDir, key);
    const call = (method: string, path: string, body?: unknown) => mmsClient(server.base)(method, path, body);
    const scratch = join(dataDir, 'tmp');
    const leftovers = (pid: number) => (existsSync(scratch) ? readdirSync(scratch).filter((f) => f.includes(`-${pid}-`)) : []);
    try {
      const { dataSourceId: id } = await call('POST', '/datasources', { name: 'duck', type: 'POSTGRESQL', config: { source: src.conn } });
      const { scanId } = await call('POST', `/datasources/${id}/scans`);
      await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE');
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'duck', srcDbName: 's' });
      // PostgreSQL's CSV of a partition is being written to the service's scratch folder.
      const dead = server.child.pid!;
      await until(async () => leftovers(dead).some((f) => f.startsWith('csv-')));
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
      expect(leftovers(dead).length).toBeGreaterThan(0);
      server = await startServer(dataDir, key);

      await until(async () => (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status === 'DONE');
      expect(leftovers(dead)).toEqual([]);
      // The copy's instance is closed with its task: the file can be read beside the idle server.
      const duck = await openDuck(join(dataDir, 'destinations', `source-${id}.duckdb`), { readOnly: true });
      const [row] = (await duck.connection.runAndReadAll('SELECT count(*), count(DISTINCT id), min(id), max(id) FROM main.big')).getRowsJS();
      duck.close();
      expect(row).toEqual([400000n, 400000n, 1n, 400000n]);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit').catch(() => {});
    }
  });

  it('takes a scan it was running over after a restart, once the dead process lease lapsed', async () => {
    const wide = await createPgDatabase('openmms_crash_wide');
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-crash-scan-'));
    const key = randomBytes(32).toString('hex');
    let server = await startServer(dataDir, key);
    const call = (method: string, path: string, body?: unknown) => mmsClient(server.base)(method, path, body);
    try {
      const c = new pg.Client({ connectionString: wide.url });
      await c.connect();
      await c.query(`CREATE SCHEMA w; DO $$ BEGIN FOR i IN 1..1000 LOOP EXECUTE format('CREATE TABLE w.t%s (id int, v text)', i); END LOOP; END $$;`);
      await c.end();
      const { dataSourceId: id } = await call('POST', '/datasources', { name: 'wide', type: 'POSTGRESQL', config: { source: wide.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } });
      const { scanId } = await call('POST', `/datasources/${id}/scans`);
      await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DOING');
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
      // Killed mid-scan, as the store it left says (read before anything can take the scan over).
      const left = await openStore(`sqlite:${join(dataDir, 'openmms.sqlite')}`);
      const killed = await left.db.selectFrom('scans').select('status').where('id', '=', scanId).executeTakeFirstOrThrow().finally(() => left.close());
      expect(killed.status).toBe('DOING');
      server = await startServer(dataDir, key);

      await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${id}/scans/${scanId}`)).status));
      expect(await call('GET', `/datasources/${id}/scans/${scanId}`)).toMatchObject({ status: 'DONE', errorMsg: null });
      expect((await call('GET', `/datasources/${id}/tables?dbName=w&pageSize=1`)).total).toBe(1000);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit').catch(() => {});
      await wide.drop();
    }
  });
});
