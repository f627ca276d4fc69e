import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmsCalls, TestApi } from '../support/api.js';
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
  const { call, scan } = mmsCalls(() => api);
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
  /** A data source from `src` into the PostgreSQL destination, scanned, and a job copying `table` into `dstDb`, run to its end. */
  const firstCopy = async (src: { conn: object }, name: string, table: string, dstDb: string, others: object = {}) => {
    const sourceId = (await call('POST', '/datasources', { name, type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } })).dataSourceId;
    await scan(sourceId);
    const jobId = (await call('POST', `/datasources/${sourceId}/jobs`, { name: table, srcDbName: 'public', dstDbName: dstDb, tables: [table], others })).jobId;
    return { sourceId, jobId, copied: await settle(sourceId, jobId) };
  };
  /** The lines of the task logs of a job's current run. */
  const messages = async (sourceId: number, jobId: number): Promise<string[]> => {
    const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}`)).objectList;
    const all = await Promise.all(tasks.map((t: { id: number }) => call('GET', `/datasources/${sourceId}/tasks/${t.id}/logs`)));
    return all.flat().map((l: { message: string }) => l.message);
  };

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
      const { sourceId, jobId, copied } = await firstCopy(src, 'inc-pg', 'acct', 'inc_pg', { 'task.chunk.rows': 1000 });
      expect(copied).toEqual({ status: 'DONE', rows: 3000 });
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
      // Only the keys that differ move: 1 changed, 3 gone, 3001 new (two rows written).
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 2 });
      await ends();

      // Changed since the last scan (none run in between), and rows deleted: StartMmsJob finds them.
      await pgQuery(src.url, 'UPDATE acct SET v = 99 WHERE id = 10; DELETE FROM acct WHERE id BETWEEN 100 AND 199');
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 1 });
      await ends();
      // In three chunks (the last scan saw ids 1 to 3001); the other two are unchanged.
      const logs = () => messages(sourceId, jobId);
      expect(await logs()).toEqual(expect.arrayContaining([
        'table acct, rows with id in [-inf, 1002): 101 keys differ (1 changed, 0 new, 100 gone) among 900 rows: only they are replaced',
        "table acct, rows with id in [1002, 2003) is unchanged: its 1001 rows match the destination's, none copied",
      ]));

      // A row without a key at the destination is in no range but the first chunk's, which is copied whole.
      await pgQuery(dst.url, 'INSERT INTO inc_pg.acct VALUES (NULL, 5)');
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 900 });
      await ends();
      expect(await logs()).toContainEqual('table acct, rows with id in [-inf, 1002) differs from the destination: copied again');
    } finally {
      await late.end().catch(() => {});
      await src.drop();
    }
  });

  it('PostgreSQL: an increment counts key groups and hashes only those holding rows written since the last complete run; a subtransaction open across it, deletes, a column added with a default and a status set by hand all land', async () => {
    const src = await createPgDatabase('openmms_inc_marks');
    const open = new pg.Client({ connectionString: src.url });
    try {
      await pgQuery(src.url, "CREATE TABLE m (id bigint PRIMARY KEY, v int, t text); INSERT INTO m SELECT g, g % 11, md5(g::text) FROM generate_series(1, 6000) g");
      const { sourceId, jobId, copied } = await firstCopy(src, 'inc-marks', 'm', 'inc_marks', { 'task.chunk.rows': 2000 });
      expect(copied).toEqual({ status: 'DONE', rows: 6000 });
      const indexes = () => psqlLines(dst.url, "SELECT regexp_replace(indexdef, '.* USING ', '') FROM pg_indexes WHERE schemaname = 'inc_marks' AND tablename = 'm'");
      const indexed = async () => (await messages(sourceId, jobId)).filter((m) => /^inc_marks\.m: indexed id for increments, which look its changed keys up \(a B-tree, built in [\d.]+ s\)$/.test(m)).length;
      expect(await indexes()).toBe("brin (id) WITH (autosummarize='on')\n");
      const ends = async () => same(await psqlLines(src.url, 'SELECT * FROM m ORDER BY id'), await psqlLines(dst.url, 'SELECT * FROM inc_marks.m ORDER BY id'));
      const counted = async () => (await messages(sourceId, jobId)).filter((m) => / key groups may have changed since the last complete run's snapshot; /.test(m)).length;

      // A subtransaction's update is open while the increment runs (its id is in no snapshot's list): nothing to move yet.
      await open.connect();
      await open.query('BEGIN');
      await open.query('SAVEPOINT s');
      await open.query('UPDATE m SET v = -1 WHERE id = 10');
      await pgQuery(src.url, 'UPDATE m SET t = NULL WHERE id = 2500; DELETE FROM m WHERE id IN (4000, 4001)');
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 1 });
      // Every chunk was counted first, against the first run's snapshot.
      expect(await counted()).toBe(3);
      await ends();
      // The first increment gave the key a B-tree for its lookups, in place of the BRIN index the chunks loaded with; once.
      expect(await indexes()).toBe('btree (id)\n');
      expect(await indexed()).toBe(1);

      // It commits after that run took its snapshot: the next increment still moves it.
      await open.query('RELEASE SAVEPOINT s');
      await open.query('COMMIT');
      await pgQuery(src.url, 'INSERT INTO m VALUES (6001, 1, NULL)');
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 2 });
      expect(await counted()).toBe(3);
      expect(await indexed()).toBe(0);
      await ends();

      // A column added with a default changes every row without writing one: not counted, hashed, copied.
      await pgQuery(src.url, 'ALTER TABLE m ADD COLUMN z int DEFAULT 7');
      await scan(sourceId);
      expect((await start(sourceId, jobId)).status).toBe('DONE');
      expect(await counted()).toBe(0);
      await ends();
      expect(await psqlLines(dst.url, 'SELECT count(*) FROM inc_marks.m WHERE z = 7')).toBe('5999\n');

      // A status set by hand vouches for no snapshot: the next increment hashes every row.
      const [table] = (await call('GET', `/datasources/${sourceId}/tables?dbName=public&name=m`)).objectList;
      await call('PUT', `/datasources/${sourceId}/tables/${table.id}`, { status: 'DONE' });
      await pgQuery(src.url, 'UPDATE m SET v = 5 WHERE id = 1');
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 1 });
      expect(await counted()).toBe(0);
      await ends();
      // That run made the table exact again: counting resumes.
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 0 });
      expect(await counted()).toBe(3);

      // A job that verifies nothing vouches for no snapshot: after it, the next increment hashes again.
      await pgQuery(src.url, 'UPDATE m SET v = 6 WHERE id = 2');
      const unverified = (await call('POST', `/datasources/${sourceId}/jobs`, { name: 'm-unverified', srcDbName: 'public', dstDbName: 'inc_marks', tables: ['m'], enableVerification: false, others: { 'task.chunk.rows': 2000 } })).jobId;
      expect(await settle(sourceId, unverified)).toEqual({ status: 'DONE', rows: 1 });
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 0 });
      expect(await counted()).toBe(0);
      await ends();
    } finally {
      await open.end().catch(() => {});
      await src.drop();
    }
  });

  it('PostgreSQL: a role that may not read the server\'s control data leaves no marks, and its increments hash every row, exactly', async () => {
    const src = await createPgDatabase('openmms_inc_nomark');
    const role = `${src.name}_reader`;
    try {
      await pgQuery(src.url, `CREATE TABLE n (id bigint PRIMARY KEY, v int); INSERT INTO n SELECT g, g FROM generate_series(1, 500) g;
        CREATE ROLE ${role} LOGIN; GRANT SELECT ON n TO ${role}; REVOKE EXECUTE ON FUNCTION pg_control_checkpoint() FROM PUBLIC`);
      const { sourceId, jobId, copied } = await firstCopy({ conn: { ...src.conn, user: role } }, 'inc-nomark', 'n', 'inc_nomark');
      expect(copied).toEqual({ status: 'DONE', rows: 500 });
      await pgQuery(src.url, 'UPDATE n SET v = 0 WHERE id = 7; DELETE FROM n WHERE id = 8');
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 1 });
      expect((await messages(sourceId, jobId)).filter((m) => m.includes('may have changed since'))).toEqual([]);
      same(await psqlLines(src.url, 'SELECT * FROM n ORDER BY id'), await psqlLines(dst.url, 'SELECT * FROM inc_nomark.n ORDER BY id'));
    } finally {
      await src.drop();
      await pgQuery(dst.url, `DROP ROLE IF EXISTS ${role}`);
    }
  });

  it('PostgreSQL: a destination table this role may write but not index: increments still move only what changed, reading it whole, and say so', async () => {
    const src = await createPgDatabase('openmms_inc_owner');
    const role = `${src.name}_writer`;
    try {
      await pgQuery(src.url, 'CREATE TABLE w (id bigint PRIMARY KEY, v int); INSERT INTO w SELECT g, g FROM generate_series(1, 3000) g');
      await pgQuery(dst.url, `CREATE ROLE ${role} LOGIN; CREATE SCHEMA inc_owned; CREATE TABLE inc_owned.w (id bigint, v int);
        GRANT USAGE ON SCHEMA inc_owned TO ${role}; GRANT SELECT, INSERT, DELETE ON inc_owned.w TO ${role}`);
      const sourceId = (await call('POST', '/datasources', { name: 'inc-owner', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn, user: role } } })).dataSourceId;
      await scan(sourceId);
      const jobId = (await call('POST', `/datasources/${sourceId}/jobs`, { name: 'w', srcDbName: 'public', dstDbName: 'inc_owned', tables: ['w'] })).jobId;
      expect(await settle(sourceId, jobId)).toEqual({ status: 'DONE', rows: 3000 });
      await pgQuery(src.url, 'UPDATE w SET v = 0 WHERE id = 7; DELETE FROM w WHERE id = 2000');
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 1 });
      expect((await messages(sourceId, jobId)).filter((m) => m.startsWith('inc_owned.w: could not index id for increments'))).toEqual([
        'inc_owned.w: could not index id for increments (must be owner of table w): they read whole chunks to find changed keys',
      ]);
      same(await psqlLines(src.url, 'SELECT * FROM w ORDER BY id'), await psqlLines(dst.url, 'SELECT * FROM inc_owned.w ORDER BY id'));
      expect(await psqlLines(dst.url, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'inc_owned'")).toBe('0\n');
    } finally {
      await src.drop();
      await pgQuery(dst.url, `DROP SCHEMA IF EXISTS inc_owned CASCADE; DROP ROLE IF EXISTS ${role}`);
    }
  });

  it('keyed tables, chunked or whole, from PostgreSQL into DuckDB and MariaDB and from MariaDB into PostgreSQL: only the keys whose rows differ move', async () => {
    const src = await createPgDatabase('openmms_inc_keys');
    const my = await createMariaDatabase('openmms_inc_keys');
    const myDst = await createMariaDatabase('openmms_inc_keys_dst');
    const file = join(dataDir, 'keys.duckdb');
    try {
      await pgQuery(src.url, `CREATE TABLE k (id int PRIMARY KEY, v text, d double precision); INSERT INTO k SELECT g, md5(g::text), g / 7.0 FROM generate_series(1, 50000) g;
        CREATE TABLE two (a bigint, b int, v int, PRIMARY KEY (a, b)); INSERT INTO two SELECT g / 3, g % 3, g FROM generate_series(1, 9000) g`);
      await my.admin.query(`CREATE TABLE k (id bigint PRIMARY KEY, v varchar(40), f FLOAT); INSERT INTO k SELECT seq, MD5(seq), seq / 3 FROM seq_1_to_20000`);
      const duckId = (await call('POST', '/datasources', { name: 'keys-duck', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'DUCKDB', path: 'keys.duckdb' } } })).dataSourceId;
      const myId = (await call('POST', '/datasources', { name: 'keys-my', type: 'MYSQL', config: { source: { ...MARIADB, database: my.name }, destination: { type: 'POSTGRESQL', ...dst.conn } } })).dataSourceId;
      const toMyId = (await call('POST', '/datasources', { name: 'keys-to-my', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'MYSQL', ...MARIADB } } })).dataSourceId;
      await Promise.all([scan(duckId), scan(myId), scan(toMyId)]);
      // k in 5 chunks; two (leading key a, three rows per key) whole.
      const duckJob = (await call('POST', `/datasources/${duckId}/jobs`, { name: 'k', srcDbName: 'public', dstDbName: 'main', tables: ['k', 'two'], others: { 'task.chunk.rows': 10_000 } })).jobId;
      const myJob = (await call('POST', `/datasources/${myId}/jobs`, { name: 'k', srcDbName: my.name, dstDbName: 'inc_keys', tables: ['k'] })).jobId;
      expect(await settle(duckId, duckJob)).toEqual({ status: 'DONE', rows: 59000 });
      expect(await settle(myId, myJob)).toEqual({ status: 'DONE', rows: 20000 });
      const toMyJob = (await call('POST', `/datasources/${toMyId}/jobs`, { name: 'k', srcDbName: 'public', dstDbName: myDst.name, tables: ['k'], others: { 'task.chunk.rows': 10_000 } })).jobId;
      expect(await settle(toMyId, toMyJob)).toEqual({ status: 'DONE', rows: 50000 });

      // Updates, inserts and deletes spread over every chunk, some beyond the last scan's highest key.
      await pgQuery(src.url, `UPDATE k SET v = 'changed' WHERE id % 997 = 0; DELETE FROM k WHERE id % 1999 = 1; INSERT INTO k SELECT g, 'new', NULL FROM generate_series(50001, 50020) g;
        UPDATE k SET d = d + 1e-12 WHERE id = 25000; UPDATE two SET v = -v WHERE a = 1500 AND b = 2; DELETE FROM two WHERE a = 2000; INSERT INTO two VALUES (1, 7, 7)`);
      await my.admin.query(`UPDATE k SET f = 1.0000001 WHERE id = 17; UPDATE k SET v = 'x' WHERE id IN (5000, 15000); DELETE FROM k WHERE id = 9999; INSERT INTO k VALUES (20001, 'n', 2)`);
      // Rows written: k's 50 changed, 20 new and 1 double moved by two ulps (its 26 gone need none);
      // two's keys 1500 (changed) and 1 (a row added) are replaced with all their rows, 3 and 4.
      expect(await start(duckId, duckJob)).toEqual({ status: 'DONE', rows: 50 + 20 + 1 + 3 + 4 });
      expect(await start(myId, myJob)).toEqual({ status: 'DONE', rows: 4 });
      expect(await start(toMyId, toMyJob)).toEqual({ status: 'DONE', rows: 50 + 20 + 1 });

      const duckLines = async (select: string) => {
        const duck = await (await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' })).connect();
        try {
          return (await duck.runAndReadAll(select)).getRows().map((r) => `${r.map((v) => (v === null ? '\\N' : String(v))).join('\t')}\n`).join('');
        } finally {
          duck.closeSync();
        }
      };
      same(await psqlLines(src.url, 'SELECT id, v, d::text FROM k ORDER BY id'), await duckLines("SELECT id, v, regexp_replace(CAST(d AS VARCHAR), '\\.0$', '') FROM main.k ORDER BY id"));
      same(await psqlLines(src.url, 'SELECT a, b, v FROM two ORDER BY a, b'), await duckLines('SELECT a, b, v FROM main.two ORDER BY a, b'));
      same(await mariadbLines(my.name, 'SELECT id, v FROM k ORDER BY id'), await psqlLines(dst.url, 'SELECT id, v FROM inc_keys.k ORDER BY id'));
      same(await psqlLines(src.url, "SELECT id, v, coalesce(d::text, 'NULL') FROM k ORDER BY id"), await mariadbLines(myDst.name, 'SELECT id, v, d FROM k ORDER BY id'));
      expect(await psqlLines(dst.url, "SELECT count(*) FROM inc_keys.k WHERE id = 17 AND f = '1.0000001'::real")).toBe('1\n');
      // Nothing changed since: compared, nothing moves.
      expect(await start(duckId, duckJob)).toEqual({ status: 'DONE', rows: 0 });
    } finally {
      await Promise.all([src.drop(), my.drop(), myDst.drop()]);
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

  // Into DuckDB, a batch is one DELETE and one INSERT from each partition's CSV file; into a lake, a
  // folder per partition, each read with the others in one query; a partition's folder deleted
  // behind the service, and then the whole table's, are copied again.
  it.each(['POSTGRESQL', 'DUCKDB', 'LAKE'] as const)('many small partitions are compared in batches (into %s), one query per end, and only those that differ are copied again', async (to) => {
    const src = await createPgDatabase('openmms_inc_many');
    try {
      const parts = Array.from({ length: 40 }, (_, i) => `CREATE TABLE m_${i} PARTITION OF m FOR VALUES IN (${i});`).join('\n');
      await pgQuery(src.url, `CREATE TABLE m (p int, id bigint, v text) PARTITION BY LIST (p); ${parts} INSERT INTO m SELECT g % 40, g, md5(g::text) FROM generate_series(1, 4000) g`);
      const destination = { POSTGRESQL: { type: 'POSTGRESQL', ...dst.conn }, DUCKDB: { type: 'DUCKDB', path: 'many.duckdb' }, LAKE: { type: 'LAKE', path: 'lake-many' } }[to];
      const sourceId = (await call('POST', '/datasources', { name: `inc-many-${to}`, type: 'POSTGRESQL', config: { source: src.conn, destination } })).dataSourceId;
      await scan(sourceId);
      const jobId = (await call('POST', `/datasources/${sourceId}/jobs`, { name: 'm', srcDbName: 'public', dstDbName: 'inc_many', tables: ['m'] })).jobId;
      expect(await settle(sourceId, jobId)).toEqual({ status: 'DONE', rows: 4000 });
      const lake = join(dataDir, 'lake-many', 'inc_many.db', 'm');
      const atDestination = async () => {
        if (to === 'POSTGRESQL') return psqlLines(dst.url, 'SELECT p, id, v FROM inc_many.m ORDER BY id');
        const instance = await DuckDBInstance.create(to === 'DUCKDB' ? join(dataDir, 'many.duckdb') : ':memory:');
        const c = await instance.connect();
        const from = to === 'DUCKDB' ? 'inc_many.m' : `read_parquet('${lake}/*/*.parquet', hive_partitioning = false)`;
        const rows = (await c.runAndReadAll(`SELECT p, id, v FROM ${from} ORDER BY id`)).getRows();
        instance.closeSync();
        return rows.map((r) => `${r.join('\t')}\n`).join('');
      };
      // No scan in between: the comparison finds them.
      await pgQuery(src.url, "UPDATE m SET v = 'x' WHERE id = 43; DELETE FROM m WHERE id = 57");
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 99 + 100 });
      same(await psqlLines(src.url, 'SELECT p, id, v FROM m ORDER BY id'), await atDestination());
      const [task] = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}`)).objectList;
      const lines = (await call('GET', `/datasources/${sourceId}/tasks/${task.id}/logs`)).map((l: { message: string }) => l.message);
      expect(lines).toContainEqual(expect.stringMatching(/^38 partitions \(p=\d+ … p=\d+\) are unchanged: their 3800 rows match the destination's, none copied$/));
      expect(lines).toContainEqual(expect.stringMatching(/^2 partitions: (p=3, p=17|p=17, p=3) differ from the destination: copied again$/));
      if (to !== 'LAKE') return;
      rmSync(join(lake, 'p=5'), { recursive: true });
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 100 });
      rmSync(lake, { recursive: true });
      expect(await start(sourceId, jobId)).toEqual({ status: 'DONE', rows: 3999 });
      same(await psqlLines(src.url, 'SELECT p, id, v FROM m ORDER BY id'), await atDestination());
    } finally {
      await src.drop();
    }
  });

  it('rows outside every partition of the source (PostgreSQL) and files outside the layout (lake) fail a verify-only and an incremental job, named; once gone, both pass', async () => {
    const src = await createPgDatabase('openmms_inc_outside');
    try {
      await pgQuery(src.url, `CREATE TABLE o (id bigint, p text) PARTITION BY LIST (p); CREATE TABLE o_a PARTITION OF o FOR VALUES IN ('a'); CREATE TABLE o_b PARTITION OF o FOR VALUES IN ('b');
        INSERT INTO o SELECT g, (ARRAY['a','b'])[g % 2 + 1] FROM generate_series(1, 100) g`);
      const sourceId = (await call('POST', '/datasources', { name: 'inc-outside', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } })).dataSourceId;
      await scan(sourceId);
      const job = async (body: object) => settle(sourceId, (await call('POST', `/datasources/${sourceId}/jobs`, { srcDbName: 'public', dstDbName: 'inc_outside', tables: ['o'], ...body })).jobId);
      const failure = async () => (await call('GET', `/datasources/${sourceId}/tasks?status=VERIFICATION_FAILED`)).objectList.map((t: { errMsg: string }) => t.errMsg);
      expect(await job({ name: 'copy' })).toEqual({ status: 'DONE', rows: 100 });
      // A value the source never had, and a row tagged with no partition at all.
      await pgQuery(dst.url, "INSERT INTO inc_outside.o VALUES (900, 'z', 'p=z'), (901, 'a', NULL)");
      expect((await job({ name: 'verify', taskType: 'MC2MC_VERIFY' })).status).toBe('FAILED');
      expect(await failure()).toEqual([`verification failed for table o: inc_outside.o holds 2 rows outside every partition of the source: 'p=z' (1 row), no partition (1 row)`]);
      expect((await job({ name: 'again', increment: true })).status).toBe('FAILED');
      await pgQuery(dst.url, "DELETE FROM inc_outside.o WHERE id >= 900");
      expect(await job({ name: 'verify-2', taskType: 'MC2MC_VERIFY' })).toEqual({ status: 'DONE', rows: 100 });

      // A lake: a partition folder the source never had, and a file in a subfolder of a table without partitions.
      await pgQuery(src.url, 'CREATE TABLE u (id bigint PRIMARY KEY); INSERT INTO u SELECT generate_series(1, 10)');
      const lakeId = (await call('POST', '/datasources', { name: 'inc-outside-lake', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'LAKE', path: 'lake' } } })).dataSourceId;
      await scan(lakeId);
      const lakeJob = async (body: object) => settle(lakeId, (await call('POST', `/datasources/${lakeId}/jobs`, { srcDbName: 'public', dstDbName: 'inc_outside', tables: ['o', 'u'], ...body })).jobId);
      expect(await lakeJob({ name: 'copy' })).toEqual({ status: 'DONE', rows: 110 });
      const folder = join(dataDir, 'lake', 'inc_outside.db');
      const [partFile] = readdirSync(join(folder, 'o', 'p=a'));
      mkdirSync(join(folder, 'o', 'p=zz'));
      copyFileSync(join(folder, 'o', 'p=a', partFile!), join(folder, 'o', 'p=zz', partFile!));
      mkdirSync(join(folder, 'u', 'old'));
      copyFileSync(join(folder, 'u', readdirSync(join(folder, 'u')).find((f) => f.endsWith('.parquet'))!), join(folder, 'u', 'old', 'copy.parquet'));
      expect((await lakeJob({ name: 'verify', taskType: 'MC2MC_VERIFY' })).status).toBe('FAILED');
      expect((await call('GET', `/datasources/${lakeId}/tasks?status=VERIFICATION_FAILED`)).objectList.map((t: { errMsg: string }) => t.errMsg).sort()).toEqual([
        'verification failed for table o: inc_outside.o holds a file outside every partition of the source: p=zz/',
        'verification failed for table u: inc_outside.u holds a file outside the table’s own folder: old/',
      ]);
      rmSync(join(folder, 'o', 'p=zz'), { recursive: true });
      rmSync(join(folder, 'u', 'old'), { recursive: true });
      expect(await lakeJob({ name: 'verify-2', taskType: 'MC2MC_VERIFY' })).toEqual({ status: 'DONE', rows: 110 });
    } finally {
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
