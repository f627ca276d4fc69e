import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { firstDifference, mariadbLines, psqlLines } from '../support/cli-read.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { until } from '../support/processes.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

/**
 * An increment leaves nothing stale: a table or partition the last scan saw unchanged is compared
 * at both ends (its content fingerprints) and copied again when they differ, so a change the
 * scan's signal cannot see, or one made since the scan, still lands. Both ends read back with psql
 * and the mariadb client.
 */
describe('increments decided by the fingerprints of both ends', () => {
  let api: TestApi;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-inc-'));
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await api.call(method, mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };
  const scan = async (sourceId: number) => {
    await call('POST', `/datasources/${sourceId}/scans`);
    await api.app.scans.idle();
  };
  const settle = async (sourceId: number, jobId: number) => {
    await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status));
    const job = await call('GET', `/datasources/${sourceId}/jobs/${jobId}`);
    const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}`)).objectList;
    return { status: job.status, rows: tasks.reduce((n: number, t: { rows: number }) => n + t.rows, 0) };
  };
  const start = async (sourceId: number, jobId: number) => {
    await call('POST', `/datasources/${sourceId}/jobs/${jobId}/start`);
    return settle(sourceId, jobId);
  };
  const same = (want: string, got: string) => expect(firstDifference(want, got)).toBeNull();

  beforeAll(async () => {
    dst = await createPgDatabase('openmms_inc_dst');
    api = await TestApi.start('sqlite', dataDir, { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await dst?.drop();
  });

  it('PostgreSQL: a transaction that commits after the copy, a change made since the scan, and deletes all land', async () => {
    const src = await createPgDatabase('openmms_inc_pg');
    const late = new pg.Client({ connectionString: src.url });
    try {
      await pgQuery(src.url, 'CREATE TABLE acct (id bigint PRIMARY KEY, v int); INSERT INTO acct SELECT g, g % 7 FROM generate_series(1, 3000) g');
      const sourceId = (await call('POST', '/datasources', { name: 'inc-pg', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } })).dataSourceId;
      await scan(sourceId);
      const jobId = (await call('POST', `/datasources/${sourceId}/jobs`, { name: 'acct', srcDbName: 'public', dstDbName: 'inc_pg', tables: ['acct'] })).jobId;
      expect(await settle(sourceId, jobId)).toEqual({ status: 'DONE', rows: 3000 });
      const ends = async () => same(await psqlLines(src.url, 'SELECT id, v FROM acct ORDER BY id'), await psqlLines(dst.url, 'SELECT id, v FROM inc_pg.acct ORDER BY id'));

      // Nothing changed: compared, nothing copied.
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 0 });

      // A transaction older than the copy commits after it: the scan's signal (count, newest row
      // version) does not move, yet the next increment copies its rows.
      await late.connect();
      await late.query('BEGIN');
      await late.query('UPDATE acct SET v = -1 WHERE id = 1');
      await pgQuery(src.url, 'UPDATE acct SET v = -2 WHERE id = 2');
      await scan(sourceId);
      expect((await start(sourceId, jobId)).status).toBe('DONE');
      await late.query("DELETE FROM acct WHERE id = 3; INSERT INTO acct VALUES (3001, 42)");
      await late.query('COMMIT');
      await scan(sourceId);
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 3000 });
      await ends();

      // Changed since the last scan (none run in between), and rows deleted: StartMmsJob finds them.
      await pgQuery(src.url, 'UPDATE acct SET v = 99 WHERE id = 10; DELETE FROM acct WHERE id BETWEEN 100 AND 199');
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 2900 });
      await ends();
    } finally {
      await late.end().catch(() => {});
      await src.drop();
    }
  });

  it('a partition dropped at the source is removed from a PostgreSQL and a lake destination, unless kept; one that comes back is copied again', async () => {
    const src = await createPgDatabase('openmms_inc_parts');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      await pgQuery(src.url, `CREATE TABLE ev (id bigint, p text) PARTITION BY LIST (p);
        CREATE TABLE ev_a PARTITION OF ev FOR VALUES IN ('a'); CREATE TABLE ev_b PARTITION OF ev FOR VALUES IN ('b'); CREATE TABLE ev_c PARTITION OF ev FOR VALUES IN ('c');
        INSERT INTO ev SELECT g, (ARRAY['a','b','c'])[g % 3 + 1] FROM generate_series(1, 300) g`);
      const counts = 'SELECT p, count(*) FROM ev GROUP BY p ORDER BY p';
      const sources = {
        pg: (await call('POST', '/datasources', { name: 'parts-pg', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } })).dataSourceId,
        lake: (await call('POST', '/datasources', { name: 'parts-lake', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'LAKE', path: 'lake' } } })).dataSourceId,
      };
      const at = {
        pg: () => psqlLines(dst.url, `SELECT p, count(*) FROM inc_parts.ev GROUP BY p ORDER BY p`),
        lake: async () => (await duck.runAndReadAll(`SELECT p, count(*) FROM read_parquet('${join(dataDir, 'lake', 'inc_parts.db', 'ev')}/*/*.parquet', hive_partitioning = false) GROUP BY p ORDER BY p`)).getRows().map((r) => `${r[0]}\t${r[1]}\n`).join(''),
      };
      const jobs: Record<string, number> = {};
      for (const [kind, sourceId] of Object.entries(sources)) {
        await scan(sourceId);
        jobs[kind] = (await call('POST', `/datasources/${sourceId}/jobs`, { name: 'ev', srcDbName: 'public', dstDbName: 'inc_parts', tables: ['ev'] })).jobId;
        expect(await settle(sourceId, jobs[kind]!)).toEqual({ status: 'DONE', rows: 300 });
      }
      // Kept: an append-only job leaves them.
      await pgQuery(src.url, 'DROP TABLE ev_b');
      for (const [kind, sourceId] of Object.entries(sources)) {
        await scan(sourceId);
        const kept = (await call('POST', `/datasources/${sourceId}/jobs`, { name: 'kept', srcDbName: 'public', dstDbName: 'inc_parts', tables: ['ev'], others: { 'increment.keepDeleted': true } })).jobId;
        expect((await settle(sourceId, kept)).status).toBe('DONE');
        expect([kind, await at[kind as keyof typeof at]()]).toEqual([kind, 'a\t100\nb\t100\nc\t100\n']);
        // The next increment removes it, and says so.
        expect((await start(sourceId, jobs[kind]!)).status).toBe('DONE');
        expect([kind, await at[kind as keyof typeof at]()]).toEqual([kind, await psqlLines(src.url, counts)]);
        const [task] = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobs[kind]}`)).objectList;
        const lines = (await call('GET', `/datasources/${sourceId}/tasks/${task.id}/logs`)).map((l: { message: string }) => l.message);
        expect(lines).toContainEqual(expect.stringMatching(/partition p=b is gone from the source: removed from inc_parts\.ev/));
      }
      expect(existsSync(join(dataDir, 'lake', 'inc_parts.db', 'ev', 'p=b'))).toBe(false);
      // Back at the source: copied again.
      await pgQuery(src.url, "CREATE TABLE ev_b PARTITION OF ev FOR VALUES IN ('b'); INSERT INTO ev VALUES (1000, 'b')");
      for (const [kind, sourceId] of Object.entries(sources)) {
        await scan(sourceId);
        expect((await start(sourceId, jobs[kind]!)).status).toBe('DONE');
        expect([kind, await at[kind as keyof typeof at]()]).toEqual([kind, await psqlLines(src.url, counts)]);
        // Into a database that has none of them, an increment copies them all, DONE though they are.
        const elsewhere = (await call('POST', `/datasources/${sourceId}/jobs`, { name: 'elsewhere', srcDbName: 'public', dstDbName: 'inc_parts_2', tables: ['ev'] })).jobId;
        expect([kind, await settle(sourceId, elsewhere)]).toEqual([kind, { status: 'DONE', rows: 201 }]);
      }
    } finally {
      duck.closeSync();
      await src.drop();
    }
  });

  it('MariaDB: a FLOAT changed in its 8th digit and a value moved across the row separator land', async () => {
    const src = await createMariaDatabase('openmms_inc_my');
    try {
      await src.admin.query(`CREATE TABLE f (id int PRIMARY KEY, x FLOAT, a varchar(20), b varchar(20));
        INSERT INTO f VALUES (1, 1.0000001, 'x', NULL), (2, 16777216, CONCAT('x', CHAR(31), 'vy'), NULL)`);
      const sourceId = (await call('POST', '/datasources', { name: 'inc-my', type: 'MYSQL', config: { source: { ...MARIADB, database: src.name }, destination: { type: 'POSTGRESQL', ...dst.conn } } })).dataSourceId;
      await scan(sourceId);
      const jobId = (await call('POST', `/datasources/${sourceId}/jobs`, { name: 'f', srcDbName: src.name, dstDbName: 'inc_my', tables: ['f'] })).jobId;
      expect(await settle(sourceId, jobId)).toEqual({ status: 'DONE', rows: 2 });

      await src.admin.query(`UPDATE f SET x = 1.0000002 WHERE id = 1; UPDATE f SET x = 16777218, a = 'x', b = CONCAT('vy', CHAR(31), 'n') WHERE id = 2`);
      await scan(sourceId);
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 2 });
      // The texts as each engine's client prints them, and the floats compared by value in PostgreSQL.
      same(await mariadbLines(src.name, 'SELECT id, a, b FROM f ORDER BY id'), (await psqlLines(dst.url, 'SELECT id, a, b FROM inc_my.f ORDER BY id')).replaceAll('\\N', 'NULL'));
      expect(await psqlLines(dst.url, "SELECT id, x = ANY ('{1.0000002, 16777218}'::real[]) FROM inc_my.f ORDER BY id")).toBe('1\tt\n2\tt\n');
    } finally {
      await src.drop();
    }
  });
});
