import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmsCalls, TestApi } from '../support/api.js';
import { firstDifference, mariadbLines, psqlLines } from '../support/cli-read.js';
import { duckdbRows, duckdbRun } from '../support/duckdb-read.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { until } from '../support/processes.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

/**
 * Big tables without an integer key still move in chunks: cut by their primary key's first column
 * in the source's own order (PostgreSQL, MariaDB), by rowid (SQLite), or between files (a lake).
 * The destination knows each chunk by a tag, as it knows a partition. Both ends are read back with
 * psql, the mariadb client, sqlite3 and DuckDB.
 */
describe('chunks cut in the source’s order', () => {
  let api: TestApi;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-cuts-'));
  const { call, scan } = mmsCalls(() => api);
  const settle = async (sourceId: number, jobId: number) => {
    await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status));
    const job = await call('GET', `/datasources/${sourceId}/jobs/${jobId}`);
    const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&pageSize=100`)).objectList as { id: number; rows: number; status: string; errMsg: string }[];
    return { status: job.status, tasks: tasks.length, rows: tasks.reduce((n, t) => n + t.rows, 0), errors: tasks.filter((t) => t.status !== 'DONE').map((t) => t.errMsg) };
  };
  const messages = async (sourceId: number, jobId: number): Promise<string[]> => {
    const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&pageSize=100`)).objectList;
    const all = await Promise.all(tasks.map((t: { id: number }) => call('GET', `/datasources/${sourceId}/tasks/${t.id}/logs`)));
    return all.flat().map((l: { message: string }) => l.message);
  };
  const register = async (name: string, type: string, source: object, destination: object) => (await call('POST', '/datasources', { name, type, config: { source, destination } })).dataSourceId as number;
  let jobs = 0;
  const job = async (sourceId: number, body: object) => (await call('POST', `/datasources/${sourceId}/jobs`, { name: `cut-${++jobs}`, ...body })).jobId as number;
  const same = (want: string, got: string) => expect(firstDifference(want, got)).toBeNull();

  let stopAt: { checks: number } | null = null;
  let stopping: Promise<unknown> | null = null;

  beforeAll(async () => {
    dst = await createPgDatabase('openmms_cuts_dst');
    // The pages test stops its job from inside its fourth chunk's check: by then a chunk has committed.
    api = await TestApi.start('sqlite', dataDir, {
      runJobs: true,
      concurrency: 3,
      faults: {
        beforeCheck: async (_written, task) => {
          // Not awaited: StopMmsJob waits for the job's running tasks, this one among them.
          if (task.src_table_name === 'heap' && stopAt !== null && --stopAt.checks === 0) stopping = call('POST', `/datasources/${task.source_id}/jobs/${task.job_id}/stop`);
        },
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await dst?.drop();
  });

  it('PostgreSQL, a text key: chunks by its values; an increment compares them one by one; a new cut replaces the old; a verify-only job compares it whole', async () => {
    const src = await createPgDatabase('openmms_cuts_pg');
    try {
      // Keys in no order of insertion, some NULL values, a key with quotes and one beyond ASCII.
      await pgQuery(src.url, `CREATE TABLE acct (k text PRIMARY KEY, v int, note text);
        INSERT INTO acct SELECT md5(g::text), g, CASE WHEN g % 9 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 20000) g;
        INSERT INTO acct VALUES ('it''s', -1, 'quote'), ('ünïcode', -2, 'é');`);
      const id = await register('cut-pg', 'POSTGRESQL', src.conn, { type: 'POSTGRESQL', ...dst.conn });
      await scan(id);
      const jobId = await job(id, { srcDbName: 'public', dstDbName: 'cut_pg', tables: ['acct'], others: { 'task.chunk.rows': 4000 } });
      expect(await settle(id, jobId)).toEqual({ status: 'DONE', tasks: 6, rows: 20002, errors: [] });
      const ends = async () => same(await psqlLines(src.url, 'SELECT k, v, note FROM acct ORDER BY k'), await psqlLines(dst.url, 'SELECT k, v, note FROM cut_pg.acct ORDER BY k'));
      await ends();
      // Every chunk is its own tag, of about equal size.
      const sizes = (await psqlLines(dst.url, 'SELECT count(*) FROM cut_pg.acct GROUP BY _mms_partition ORDER BY 1')).trim().split('\n').map(Number);
      expect(sizes).toHaveLength(6);
      expect(Math.min(...sizes)).toBeGreaterThan(2000);

      // An increment: two chunks changed (an update, a delete), the others compared and left.
      await pgQuery(src.url, `UPDATE acct SET v = v + 1 WHERE k = (SELECT min(k) FROM acct); DELETE FROM acct WHERE k = 'ünïcode'`);
      await call('POST', `/datasources/${id}/jobs/${jobId}/start`);
      const again = await settle(id, jobId);
      expect(again.status).toBe('DONE');
      expect(again.rows).toBeGreaterThan(0);
      expect(again.rows).toBeLessThan(2 * 4000 + 2000);
      await ends();

      // The table doubles: the next scan cuts it anew, and the next job's first chunk removes what the old cut left.
      await pgQuery(src.url, `INSERT INTO acct SELECT 'z' || md5(g::text), g, 'new' FROM generate_series(1, 25000) g`);
      await scan(id);
      const bigger = await job(id, { srcDbName: 'public', dstDbName: 'cut_pg', tables: ['acct'], others: { 'task.chunk.rows': 8000 } });
      expect(await settle(id, bigger)).toMatchObject({ status: 'DONE', tasks: 6, errors: [] });
      await ends();
      expect((await messages(id, bigger)).some((m) => /^removed \d+ rows of cut_pg\.acct that 6 chunks of an earlier cut/.test(m))).toBe(true);

      // A verify-only job compares the table whole, whatever chunk size it names: it passes, and
      // fails on a row written behind OpenMMS's back, whatever its tag, naming it.
      const verify = async () => settle(id, await job(id, { srcDbName: 'public', dstDbName: 'cut_pg', tables: ['acct'], taskType: 'MC2MC_VERIFY', others: { 'task.chunk.rows': 3000 } }));
      expect(await verify()).toMatchObject({ status: 'DONE', tasks: 1 });
      await pgQuery(dst.url, `INSERT INTO cut_pg.acct (k, v, note, _mms_partition) VALUES ('stray', 0, 'x', 'chunk:nothing')`);
      const verified = await verify();
      expect(verified.status).toBe('FAILED');
      expect(verified.errors.join(' ')).toContain("a row only at the destination: (k='stray', v='0', note='x')");
    } finally {
      await src.drop();
    }
  });

  it('a table copied whole, then in chunks, into MariaDB and SQLite: the rows of the whole copy go, the tag gets its index', async () => {
    const src = await createPgDatabase('openmms_cuts_whole');
    const maria = await createMariaDatabase('openmms_cuts_dst');
    try {
      await pgQuery(src.url, `CREATE TABLE doc (k uuid PRIMARY KEY, v int); INSERT INTO doc SELECT md5(g::text)::uuid, g FROM generate_series(1, 9000) g`);
      const want = await psqlLines(src.url, 'SELECT k, v FROM doc ORDER BY v');
      const targets = [
        { type: 'MYSQL', conn: { ...MARIADB, database: maria.name }, db: maria.name, rows: () => mariadbLines(maria.name, 'SELECT k, v FROM doc ORDER BY v'), indexed: async () => (await mariadbLines(maria.name, "SELECT count(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'doc' AND COLUMN_NAME = '_mms_partition'")).trim() },
        { type: 'SQLITE', conn: { path: 'whole.sqlite' }, db: 'main', rows: async () => execFileSync('sqlite3', ['-readonly', '-separator', '\t', join(dataDir, 'whole.sqlite'), 'SELECT k, v FROM doc ORDER BY v'], { encoding: 'utf8' }), indexed: async () => execFileSync('sqlite3', ['-readonly', join(dataDir, 'whole.sqlite'), "SELECT count(*) FROM pragma_index_list('doc') l, pragma_index_info(l.name) i WHERE i.name = '_mms_partition'"], { encoding: 'utf8' }).trim() },
      ];
      for (const target of targets) {
        const id = await register(`cut-whole-${target.type}`, 'POSTGRESQL', src.conn, { type: target.type, ...target.conn });
        await scan(id);
        const copy = (rows: number) => job(id, { srcDbName: 'public', dstDbName: target.db, tables: ['doc'], others: { 'task.chunk.rows': rows } });
        expect(await settle(id, await copy(1_000_000))).toEqual({ status: 'DONE', tasks: 1, rows: 9000, errors: [] });
        const chunked = await copy(3000);
        expect(await settle(id, chunked)).toEqual({ status: 'DONE', tasks: 3, rows: 9000, errors: [] });
        expect((await messages(id, chunked)).filter((m) => m.startsWith('removed 9000 rows of'))).toHaveLength(1);
        expect(await target.indexed()).toBe('1');
        same(want, await target.rows());
      }
    } finally {
      await Promise.all([src.drop(), maria.drop()]);
    }
  });

  it('PostgreSQL without a primary key: by pages; chunks read in two snapshots (Stop, rows moved, Start) end as one', async () => {
    const src = await createPgDatabase('openmms_cuts_heap');
    try {
      await pgQuery(src.url, `CREATE TABLE heap (id int NOT NULL, v int, note text) WITH (autovacuum_enabled = off);
        INSERT INTO heap SELECT g, g % 100, repeat('x', g % 50) FROM generate_series(1, 30000) g;`);
      const id = await register('cut-heap', 'POSTGRESQL', src.conn, { type: 'POSTGRESQL', ...dst.conn });
      await scan(id);
      stopAt = { checks: 4 };
      const jobId = await job(id, { srcDbName: 'public', dstDbName: 'cut_heap', tables: ['heap'], others: { 'task.chunk.rows': 3000 } });
      const tasks = async () => (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}&pageSize=100`)).objectList as { id: number; status: string }[];
      await until(async () => stopping !== null);
      await stopping;
      await until(async () => (await tasks()).every((t) => !t.status.endsWith('_DOING')));
      const done = (await tasks()).filter((t) => t.status === 'DONE');
      expect(done.length).toBeGreaterThan(0);
      expect(done.length).toBeLessThan(10);

      // Every row of a chunk that is done updated: their new versions land on other pages (the table's are full).
      const { cut } = await api.store.db.selectFrom('task_partitions as tp').innerJoin('tasks as t', 't.id', 'tp.task_id').select('tp.cut').where('t.job_id', '=', jobId).where('t.status', '=', 'DONE').executeTakeFirstOrThrow();
      const { lo, hi } = JSON.parse(cut!) as { lo: string | null; hi: string | null };
      const pages = [lo === null ? null : `ctid >= '(${lo},0)'::tid`, hi === null ? null : `ctid < '(${hi},0)'::tid`].filter((c) => c !== null).join(' AND ');
      expect((await pgQuery(src.url, `WITH u AS (UPDATE heap SET v = v + 1000 WHERE ${pages} RETURNING 1) SELECT count(*)::int AS n FROM u`))[0].n).toBeGreaterThan(0);
      await call('POST', `/datasources/${id}/jobs/${jobId}/start`);
      expect(await settle(id, jobId)).toMatchObject({ status: 'DONE', tasks: 10, errors: [] });
      same(await psqlLines(src.url, 'SELECT id, v, note FROM heap ORDER BY id'), await psqlLines(dst.url, 'SELECT id, v, note FROM cut_heap.heap ORDER BY id'));
      const bound = (b: string | null, open: string) => (b === null ? open : `'${b}'`);
      const reread = `table heap, rows with pages in [${bound(lo, '-inf')}, ${bound(hi, 'inf')}) was read in another snapshot than this task's, and rows have moved between pages since: copied again in this one (`;
      expect((await messages(id, jobId)).filter((m) => m.startsWith(reread))).toHaveLength(1);
    } finally {
      stopAt = null;
      await src.drop();
    }
  });

  it('MariaDB, a varchar key in a case-insensitive collation: every row once', async () => {
    const maria = await createMariaDatabase('openmms_cuts');
    try {
      await maria.admin.query(`CREATE TABLE names (name varchar(40) COLLATE utf8mb4_general_ci PRIMARY KEY, n int NOT NULL, at datetime(3));
        INSERT INTO names SELECT CONCAT(IF(seq % 2, 'A', 'b'), MD5(seq)), seq, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_12000;
        INSERT INTO names VALUES ('a', 0, NULL), ('B', -1, NULL), ('  pad', -2, NULL)`);
      const id = await register('cut-maria', 'MYSQL', { ...MARIADB, database: maria.name }, { type: 'POSTGRESQL', ...dst.conn });
      await scan(id);
      const jobId = await job(id, { srcDbName: maria.name, dstDbName: 'cut_maria', tables: ['names'], others: { 'task.chunk.rows': 3000 } });
      expect(await settle(id, jobId)).toEqual({ status: 'DONE', tasks: 5, rows: 12003, errors: [] });
      const want = await mariadbLines(maria.name, `SELECT name, n, IFNULL(DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f'), 'null') FROM names ORDER BY n`);
      same(want, await psqlLines(dst.url, `SELECT name, n, coalesce(to_char(at, 'YYYY-MM-DD HH24:MI:SS.US'), 'null') FROM cut_maria.names ORDER BY n`));
    } finally {
      await maria.drop();
    }
  });

  it('SQLite by rowid, and a lake between its files, into DuckDB', async () => {
    execFileSync('sqlite3', [join(dataDir, 'rows.sqlite'), `CREATE TABLE log (at TEXT, msg TEXT);
      WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 9000) INSERT INTO log SELECT printf('t%05d', i), 'm' || i FROM g;
      DELETE FROM log WHERE rowid % 7 = 0;`]);
    const lite = await register('cut-sqlite', 'SQLITE', { path: 'rows.sqlite' }, { type: 'DUCKDB', path: 'cuts.duckdb' });
    await scan(lite);
    const liteJob = await job(lite, { srcDbName: 'main', dstDbName: 'main', tables: ['log'], others: { 'task.chunk.rows': 2000 } });
    expect(await settle(lite, liteJob)).toMatchObject({ status: 'DONE', tasks: 4, rows: 9000 - 1285, errors: [] });

    mkdirSync(join(dataDir, 'lake', 'events'), { recursive: true });
    for (let f = 0; f < 6; f++) {
      await duckdbRun(':memory:', `COPY (SELECT ${f} * 1000 + i AS id, 'e' || i AS what FROM range(1000) t(i)) TO '${join(dataDir, 'lake', 'events', `part-${f}.parquet`)}' (FORMAT PARQUET)`);
    }
    // And one file of 6,000 rows in row groups of about 2,000, which chunks split.
    await duckdbRun(':memory:', `COPY (SELECT 10000 + i AS id, 'big' || i AS what FROM range(6000) t(i)) TO '${join(dataDir, 'lake', 'events', 'part-9.parquet')}' (FORMAT PARQUET, ROW_GROUP_SIZE 2000)`);
    const lake = await register('cut-lake', 'LAKE', { path: 'lake' }, { type: 'DUCKDB', path: 'cuts.duckdb' });
    await scan(lake);
    const lakeJob = await job(lake, { srcDbName: 'default', dstDbName: 'main', tables: ['events'], others: { 'task.chunk.rows': 2000 } });
    expect(await settle(lake, lakeJob)).toEqual({ status: 'DONE', tasks: 6, rows: 12000, errors: [] });

    const file = join(dataDir, 'cuts.duckdb');
    const lines = execFileSync('sqlite3', ['-readonly', '-separator', '\t', join(dataDir, 'rows.sqlite'), 'SELECT at, msg FROM log ORDER BY at'], { encoding: 'utf8' }).trim().split('\n');
    expect((await duckdbRows(`SELECT "at", msg FROM main.log ORDER BY "at"`, file)).map((r) => r.join('\t'))).toEqual(lines);
    expect(await duckdbRows(`SELECT count(DISTINCT _mms_partition) FROM main.log`, file)).toEqual([['4']]);
    const lakeRows = await duckdbRows(`SELECT id, what FROM read_parquet('${join(dataDir, 'lake', 'events')}/*.parquet') ORDER BY id`);
    expect(await duckdbRows(`SELECT id, what FROM main.events ORDER BY id`, file)).toEqual(lakeRows);
    expect(await duckdbRows(`SELECT count(DISTINCT _mms_partition) FROM main.events`, file)).toEqual([['6']]);
    expect(await duckdbRows(`SELECT count(DISTINCT _mms_partition) FROM main.events WHERE id >= 10000`, file)).toEqual([['2']]); // its rows 0–2047, and the rest
  });
});
