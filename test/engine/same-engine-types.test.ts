import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase } from '../support/stores.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbRows } from '../support/duckdb-read.js';

const psql = (url: string, sql: string) => execFileSync('psql', [url, '-qAtX', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();

/**
 * PostgreSQL → PostgreSQL keeps each column's own type: json stays json (its spacing, key order and
 * duplicate keys too), numeric[] and unbounded numeric stay; an enum or composite keeps its type,
 * the destination's own where it has one of that name, else created there as the source has it; a
 * domain, which is not created, lands as text, and the task log says so.
 */
describe('PostgreSQL → PostgreSQL keeps column types', () => {
  let api: TestApi;
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;

  beforeAll(async () => {
    [src, dst] = await Promise.all([createPgDatabase('openmms_kept_src'), createPgDatabase('openmms_kept_dst')]);
    psql(src.url, `CREATE TYPE pair AS (a int, b text); CREATE TYPE mood AS ENUM ('sad', 'it''s ok', 'happy'); CREATE DOMAIN posint AS int CHECK (VALUE > 0);
      CREATE TYPE "Odd Type" AS (m mood, x numeric(5,2));
      CREATE TABLE kept (id int, j json, na numeric[], n numeric, p pair, o "Odd Type", e mood, es mood[], d posint, ip inet, a int[]);
      INSERT INTO kept VALUES
        (1, '{"b": 1,  "a": 2, "a": 3}', '{1.50,NULL,-2e-20}', 0.1000000000000000000000000000001, ROW(NULL, NULL), ROW('it''s ok', 1.5), 'happy', '{sad,happy}', 5, '::1', '[0:1]={7,8}'),
        (2, '[1, "x" , null]', '{}', 'NaN', ROW(1, 'x "y'), ROW(NULL, NULL), 'it''s ok', '{}', 1, '10.0.0.0/8', '{1}'),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
    psql(dst.url, 'CREATE TYPE pair AS (a int, b text)');
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-kept-')), { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([src?.drop(), dst?.drop()]);
  });

  async function run(id: number, body: object) {
    const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { srcDbName: 'public', dstDbName: 'copies', tables: ['kept'], ...body });
    expect(res.status, res.text).toBe(200);
    await api.app.runner!.idle();
    const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${res.body.data.jobId}`))).body.data.objectList;
    return task as { id: number; status: string; errMsg: string | null };
  }

  it('copies into the same types, exactly, and a changed json text fails verification', async () => {
    const created = await api.call('POST', mms('/datasources'), { name: 'kept', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    const id = created.body.data.dataSourceId as number;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    const task = await run(id, { name: 'copy' });
    expect([task.status, task.errMsg]).toEqual(['DONE', null]);

    const types = `SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attnum > 0 AND NOT attisdropped`;
    expect(psql(dst.url, types.replace('%s', 'copies.kept'))).toBe('id integer, j json, na numeric[], n numeric, p pair, o "Odd Type", e mood, es mood[], d text, ip inet, a integer[]');
    expect(psql(dst.url, `SELECT enum_range(NULL::mood), format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '"Odd Type"'::regclass AND attname = 'x'`)).toBe(`{sad,"it's ok",happy}|numeric(5,2)`);
    const rows = 'SELECT id, j, na, n, p, o, e, es, d, ip, a FROM %s ORDER BY id';
    expect(psql(dst.url, rows.replace('%s', 'copies.kept'))).toBe(psql(src.url, rows.replace('%s', 'kept')));
    expect(psql(dst.url, 'SELECT j FROM copies.kept WHERE id = 1')).toBe('{"b": 1,  "a": 2, "a": 3}');
    const logs = (await api.call('GET', mms(`/datasources/${id}/tasks/${task.id}/logs`))).body.data as { message: string }[];
    expect(logs.map((l) => l.message)).toContainEqual(expect.stringMatching(/column d: the destination database has no type posint, so the column is text, holding its text/));

    // The same JSON value in another spelling is another json text: a verify-only job sees it.
    psql(dst.url, `UPDATE copies.kept SET j = '{"b": 1, "a": 3}' WHERE id = 1`);
    const checked = await run(id, { name: 'verify', taskType: 'MC2MC_VERIFY', increment: false });
    expect(checked.status).toBe('VERIFICATION_FAILED');
    expect(checked.errMsg).toMatch(/has j '\{"b": 1,  "a": 2, "a": 3\}' at the source but '\{"b": 1, "a": 3\}' at the destination/);
  });
});

/** MariaDB → MariaDB keeps each column's own type too: enums and sets with their values, BIT, YEAR, unsigned and sized integers. */
describe('MariaDB → MariaDB keeps column types', () => {
  let api: TestApi;
  let src: Awaited<ReturnType<typeof createMariaDatabase>>;
  let dst: Awaited<ReturnType<typeof createMariaDatabase>>;

  beforeAll(async () => {
    [src, dst] = await Promise.all([createMariaDatabase('openmms_kept_src'), createMariaDatabase('openmms_kept_dst')]);
    await src.admin.query(`CREATE TABLE kept (id int, e enum('sad','it''s ok','happy'), s set('x','y'), b bit(1), b9 bit(9), b64 bit(64), y year, tu tinyint unsigned,
        m mediumint, bu bigint unsigned, f float, d decimal(7,3), c char(4), v varchar(9), bl blob, u uuid, ip inet6);
      INSERT INTO kept VALUES (1, 'it''s ok', 'x,y', b'1', b'100000001', 0xFFFFFFFFFFFFFFFF, 2155, 255, -8388608, 18446744073709551615, 1.5, -1234.567, 'ab', 'x', 0x00FF, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '::1'),
        (2, NULL, '', b'0', b'0', 0, 1901, 0, 8388607, 0, -0.5, 0, '', '', '', NULL, NULL)`);
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-kept-maria-')), { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([src?.drop(), dst?.drop()]);
  });

  it('copies into the same types, exactly', async () => {
    const created = await api.call('POST', mms('/datasources'), { name: 'kept', type: 'MYSQL', config: { source: { ...MARIADB, database: src.name }, destination: { type: 'MYSQL', ...MARIADB, database: dst.name } } });
    const id = created.body.data.dataSourceId as number;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'copy', srcDbName: src.name, dstDbName: dst.name, tables: ['kept'] });
    await api.app.runner!.idle();
    const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${res.body.data.jobId}`))).body.data.objectList;
    expect([task.status, task.errMsg]).toEqual(['DONE', null]);
    const types = (db: string) => mariadb(`SELECT GROUP_CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE ORDER BY ORDINAL_POSITION SEPARATOR ', ') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${db}' AND TABLE_NAME = 'kept'`);
    expect(types(dst.name)).toBe(types(src.name));
    const rows = (db: string) => mariadb(`SELECT id, e, s, b + 0, b9 + 0, b64 + 0, y, tu, m, bu, f, d, c, v, HEX(bl), u, ip FROM \`${db}\`.kept ORDER BY id`);
    expect(rows(dst.name)).toBe(rows(src.name));
  });
});

const mariadb = (sql: string) =>
  execFileSync('mariadb', ['--protocol=tcp', '-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.user, ...(MARIADB.password ? [`-p${MARIADB.password}`] : []), '-N', '-B', '-e', sql], { encoding: 'utf8' });

/** DuckDB → DuckDB keeps each column's own type: HUGEINT, the unsigned integers, an ENUM, BIT, TIMESTAMP_MS, fixed-size lists. */
describe('DuckDB → DuckDB keeps column types', () => {
  let api: TestApi;
  const files = mkdtempSync(join(tmpdir(), 'openmms-kept-duck-'));

  beforeAll(async () => {
    const instance = await DuckDBInstance.create(join(files, 'source.duckdb'));
    const c = await instance.connect();
    await c.run(`CREATE TYPE mood AS ENUM ('sad', 'it''s ok', 'happy');
      CREATE TABLE kept (id INTEGER, h HUGEINT, ub UBIGINT, ut UTINYINT, e mood, b BIT, ms TIMESTAMP_MS, l INTEGER[3], st STRUCT(a INTEGER, "b c" VARCHAR), m MAP(VARCHAR, BIGINT));
      INSERT INTO kept VALUES
        (1, -170141183460469231731687303715884105727, 18446744073709551615, 255, 'it''s ok', '0101', TIMESTAMP_MS '2024-02-29 23:59:59.123', [1, NULL, 3], {'a': 1, 'b c': 'x'}, MAP {'k': 7}),
        (2, 0, 0, 0, NULL, '1', NULL, NULL, NULL, NULL)`);
    c.closeSync();
    instance.closeSync();
    api = await TestApi.start('sqlite', files, { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('copies into the same types, exactly', async () => {
    const created = await api.call('POST', mms('/datasources'), { name: 'kept', type: 'DUCKDB', config: { source: { path: 'source.duckdb' }, destination: { type: 'DUCKDB', path: 'copy.duckdb' } } });
    expect(created.status, created.text).toBe(200);
    const id = created.body.data.dataSourceId as number;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'copy', srcDbName: 'main', dstDbName: 'main', tables: ['kept'] });
    expect(res.status, res.text).toBe(200);
    await api.app.runner!.idle();
    const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${res.body.data.jobId}`))).body.data.objectList;
    expect([task.status, task.errMsg]).toEqual(['DONE', null]);
    const types = (file: string) => duckdbRows(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'kept' ORDER BY column_index`, join(files, file));
    expect(await types('copy.duckdb')).toEqual(await types('source.duckdb'));
    const rows = (file: string) => duckdbRows('SELECT id, h, ub, ut, e, b, ms, l, st, m FROM main.kept ORDER BY id', join(files, file));
    expect(await rows('copy.duckdb')).toEqual(await rows('source.duckdb'));
  });
});
