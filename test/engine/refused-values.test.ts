import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase } from '../support/stores.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { duckdbRows } from '../support/duckdb-read.js';

/**
 * PostgreSQL values that only some destinations can hold: arrays that start at another index than
 * 1, arrays of two dimensions in a column that declares none, instants past DuckDB's last one, and
 * a composite whose fields are all NULL. Each destination holds them exactly (read back by its own
 * client) or fails the table naming its table, column and row, with nothing of it committed.
 */
const SOURCE = `CREATE TYPE pair AS (a int, b text);
  CREATE TABLE bounds (id int, a int[]); INSERT INTO bounds VALUES (1, '[0:1]={7,8}'), (2, '{1,2}'), (3, '[5:5]={NULL}');
  CREATE TABLE dims (id int, a int[]); INSERT INTO dims VALUES (1, '{{1,2},{3,4}}'), (2, '{5}'), (3, NULL);
  CREATE TABLE far (id int, t timestamptz); INSERT INTO far VALUES (1, '294276-12-31 23:59:59+00'), (2, '2024-01-01 00:00:00+00');
  CREATE TABLE pairs (id int, p pair); INSERT INTO pairs VALUES (1, ROW(NULL, NULL)), (2, ROW(1, 'x "y')), (3, NULL)`;

const BOUNDS = /^table 'bounds', column 'a', row \d \(id=[13]\): the array \[(0:1|5:5)\] starts at another index than 1, which only a PostgreSQL destination column of the same type keeps/;
const DIMS = /^table 'dims', column 'a', row 1 \(id=1\): a multi-dimensional array, where the column INTEGER\[\] holds one dimension/;
const FAR_DUCKDB = /^table 'far', column 't', row 1 \(id=1\): 294276-12-31 23:59:59\+00 is after 294247-01-10 04:00:54.775806, the last instant DuckDB and Parquet timestamps hold/;

/** Per destination: the tables refused (their messages), and what its client prints of the others. */
const EXPECTED = {
  POSTGRESQL: {
    refused: {},
    rows: {
      bounds: [['1', '[0:1]={7,8}'], ['2', '{1,2}'], ['3', '[5:5]={NULL}']],
      dims: [['1', '{{1,2},{3,4}}'], ['2', '{5}'], ['3', null]],
      far: [['1', '294276-12-31 23:59:59+00'], ['2', '2024-01-01 00:00:00+00']],
      pairs: [['1', '(,)'], ['2', '(1,"x ""y")'], ['3', null]],
    },
  },
  MYSQL: {
    refused: { bounds: BOUNDS, far: /^table 'far', column 't', row 1 \(id=1\): MySQL cannot store the timestamptz 294276-12-31 23:59:59\+00$/ },
    rows: { dims: [['1', '[[1,2],[3,4]]'], ['2', '[5]'], ['3', null]], pairs: [['1', '(,)'], ['2', '(1,"x ""y")'], ['3', null]] },
  },
  SQLITE: {
    refused: { bounds: BOUNDS },
    rows: {
      dims: [['1', '[[1,2],[3,4]]'], ['2', '[5]'], ['3', null]],
      far: [['1', '294276-12-31 23:59:59+00'], ['2', '2024-01-01 00:00:00+00']],
      pairs: [['1', '(,)'], ['2', '(1,"x ""y")'], ['3', null]],
    },
  },
  DUCKDB: { refused: { bounds: BOUNDS, dims: DIMS, far: FAR_DUCKDB }, rows: { pairs: [['1', '(,)'], ['2', '(1,"x ""y")'], ['3', null]] } },
  LAKE: { refused: { bounds: BOUNDS, dims: DIMS, far: FAR_DUCKDB }, rows: { pairs: [['1', '(,)'], ['2', '(1,"x ""y")'], ['3', null]] } },
} satisfies Record<string, { refused: Record<string, RegExp>; rows: Record<string, (string | null)[][]> }>;

type Destination = keyof typeof EXPECTED;
const TABLES = ['bounds', 'dims', 'far', 'pairs'];

const lines = (out: string, nul: string) => (out.trim() === '' ? [] : out.trim().split('\n').map((l) => l.split('\t').map((v) => (v === nul ? null : v))));

const psql = (url: string, sql: string) =>
  lines(execFileSync('psql', [url, '-qAtX', '-F', '\t', '-P', 'null=<NULL>', '-c', `SET TimeZone = 'UTC'; ${sql}`], { encoding: 'utf8' }), '<NULL>');


describe('values only some destinations hold: exact where they can, refused by table, column and row where not', () => {
  let api: TestApi;
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  const files = mkdtempSync(join(tmpdir(), 'openmms-refused-'));

  beforeAll(async () => {
    [src, dst, maria] = await Promise.all([createPgDatabase('openmms_rv_src'), createPgDatabase('openmms_rv_dst'), createMariaDatabase('openmms_rv_dst')]);
    execFileSync('psql', [src.url, '-qX', '-v', 'ON_ERROR_STOP=1', '-c', SOURCE]);
    api = await TestApi.start('sqlite', files, { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([src?.drop(), dst?.drop(), maria?.drop()]);
  });

  /** What the destination's own client prints of a table, by id. */
  async function read(to: Destination, table: string): Promise<(string | null)[][]> {
    const column = table === 'pairs' ? 'p' : table === 'far' ? 't' : 'a';
    switch (to) {
      case 'POSTGRESQL': return psql(dst.url, `SELECT id, ${column}::text FROM copies.${table} ORDER BY id`);
      case 'MYSQL': {
        const out = execFileSync('mariadb', ['--protocol=tcp', '-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.user, '-N', '-B', '-r', maria.name, '-e', `SELECT id, ${column} FROM ${table} ORDER BY id`], { encoding: 'utf8' });
        return lines(out, 'NULL');
      }
      case 'SQLITE': return lines(execFileSync('sqlite3', ['-readonly', '-separator', '\t', '-nullvalue', '<NULL>', join(files, 'copy.sqlite'), `SELECT id, ${column} FROM ${table} ORDER BY id`], { encoding: 'utf8' }), '<NULL>');
      case 'DUCKDB': return duckdbRows(`SELECT id, ${column}::VARCHAR FROM main.${table} ORDER BY id`, join(files, 'copy.duckdb'));
      case 'LAKE': return duckdbRows(`SELECT id, ${column}::VARCHAR FROM read_parquet('${join(files, 'lake', table)}/*.parquet') ORDER BY id`);
    }
  }

  it.each(Object.keys(EXPECTED) as Destination[])('PostgreSQL → %s', async (to) => {
    const destination = {
      POSTGRESQL: { type: to, ...dst.conn },
      MYSQL: { type: to, ...MARIADB, database: maria.name },
      SQLITE: { type: to, path: 'copy.sqlite' },
      DUCKDB: { type: to, path: 'copy.duckdb' },
      LAKE: { type: to, path: 'lake' },
    }[to];
    const created = await api.call('POST', mms('/datasources'), { name: `refused-${to}`, type: 'POSTGRESQL', config: { source: src.conn, destination } });
    expect(created.status, created.text).toBe(200);
    const id = created.body.data.dataSourceId as number;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    const dstDbName = { POSTGRESQL: 'copies', MYSQL: maria.name, SQLITE: 'main', DUCKDB: 'main', LAKE: 'default' }[to];
    const job = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'copy', srcDbName: 'public', dstDbName, tables: TABLES });
    expect(job.status, job.text).toBe(200);
    await api.app.runner!.idle();
    const tasks = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${job.body.data.jobId}&pageSize=10`))).body.data.objectList as { srcTableName: string; status: string; errMsg: string | null }[];
    const { refused, rows } = EXPECTED[to] as { refused: Record<string, RegExp>; rows: Record<string, (string | null)[][]> };
    for (const table of TABLES) {
      const task = tasks.find((t) => t.srcTableName === table)!;
      if (refused[table]) {
        expect([table, task.status]).toEqual([table, 'DATA_FAILED']);
        expect(task.errMsg).toMatch(refused[table]!);
      } else {
        expect([table, task.status, task.errMsg]).toEqual([table, 'DONE', null]);
        expect([table, await read(to, table)]).toEqual([table, rows[table]]);
      }
    }
    // Nothing of a refused table was committed (the lake has no folder of it to read).
    if (to !== 'LAKE') for (const table of Object.keys(refused)) expect([table, await read(to, table)]).toEqual([table, []]);
  });

  it("a value PostgreSQL refuses on its side (jsonb's \\u0000) is reported where: table, line and column", async () => {
    execFileSync('sqlite3', [join(files, 'json.sqlite'), `CREATE TABLE docs (id INTEGER, j JSON); INSERT INTO docs VALUES (1, '{"a": 1}'), (2, '{"a": "\\u0000"}')`]);
    const created = await api.call('POST', mms('/datasources'), { name: 'json-sqlite', type: 'SQLITE', config: { source: { path: 'json.sqlite' }, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    const id = created.body.data.dataSourceId as number;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    const job = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'copy', srcDbName: 'main', dstDbName: 'copies', tables: ['docs'] });
    await api.app.runner!.idle();
    const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${job.body.data.jobId}`))).body.data.objectList;
    expect(task.status).toBe('DATA_FAILED');
    expect(task.errMsg).toMatch(/^unsupported Unicode escape sequence \(at JSON data, line 1: .*; COPY docs, line 2, column j: .*\)$/);
  });
});
