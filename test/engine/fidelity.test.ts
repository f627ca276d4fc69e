import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase } from '../support/stores.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { duckdbRows } from '../support/duckdb-read.js';

/**
 * Values whose text forms differ between engines (dates before year 1, times with an offset,
 * intervals, money), copied from PostgreSQL to every file and server destination and read back at
 * both ends by the engines themselves: psql, DuckDB's own SQL, SQLite.
 */
const ROWS = [
  `(1, '0044-03-15 BC', '0044-03-15 10:00:00.5 BC', '0001-01-01 00:00:00+00 BC', '04:05:06.789+05:30', '-1 year -2 mons -3 days -01:02:03.000001', 1234.56)`,
  `(2, '2024-02-29', '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999999+00', '23:59:59-03:30', '1 year 2 mons 3 days 04:05:06.789', -12.34)`,
  `(3, '0001-01-01 BC', '0001-12-31 23:59:59 BC', '1999-12-31 23:00:00-02', '00:00:00+00', '0', 0)`,
  `(4, NULL, NULL, NULL, NULL, NULL, NULL)`,
];

/** What each engine's own client prints for the rows (in id order): the same values, in its own spelling. */
const EXPECTED = {
  duckdb: [
    ['1', '0044-03-15 (BC)', '0044-03-15 (BC) 10:00:00.5', '0001-01-01 (BC) 00:00:00+00', '04:05:06.789+05:30', '-1 year -2 months -3 days -01:02:03.000001', '1234.56'],
    ['2', '2024-02-29', '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999999+00', '23:59:59-03:30', '1 year 2 months 3 days 04:05:06.789', '-12.34'],
    ['3', '0001-01-01 (BC)', '0001-12-31 (BC) 23:59:59', '2000-01-01 01:00:00+00', '00:00:00+00', '00:00:00', '0.00'],
    ['4', null, null, null, null, null, null],
  ],
  // Parquet has no offset on times and no sign on intervals: both are kept as text.
  lake: [
    ['1', '0044-03-15 (BC)', '0044-03-15 (BC) 10:00:00.5', '0001-01-01 (BC) 00:00:00+00', '04:05:06.789+05:30', 'P-1Y-2M-3DT-1H-2M-3.000001S', '1234.56'],
    ['2', '2024-02-29', '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999999+00', '23:59:59-03:30', 'P1Y2M3DT4H5M6.789S', '-12.34'],
    ['3', '0001-01-01 (BC)', '0001-12-31 (BC) 23:59:59', '2000-01-01 01:00:00+00', '00:00:00+00', 'PT0S', '0.00'],
    ['4', null, null, null, null, null, null],
  ],
  // SQLite keeps the Values' own text: PostgreSQL's forms, intervals in ISO 8601, money as its number.
  sqlite: [
    ['1', '0044-03-15 BC', '0044-03-15 10:00:00.5 BC', '0001-01-01 00:00:00+00 BC', '04:05:06.789+05:30', 'P-1Y-2M-3DT-1H-2M-3.000001S', '1234.56'],
    ['2', '2024-02-29', '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999999+00', '23:59:59-03:30', 'P1Y2M3DT4H5M6.789S', '-12.34'],
    ['3', '0001-01-01 BC', '0001-12-31 23:59:59 BC', '2000-01-01 01:00:00+00', '00:00:00+00', 'PT0S', '0.00'],
    ['4', null, null, null, null, null, null],
  ],
};

const mariadb = (db: string, sql: string) =>
  execFileSync('mariadb', ['--protocol=tcp', '-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.user, ...(MARIADB.password ? [`-p${MARIADB.password}`] : []), '-N', '-B', db, '-e', sql], { encoding: 'utf8' });

const psql = (url: string, sql: string) =>
  execFileSync('psql', [url, '-qAtX', '-F', '\t', '-c', `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; ${sql}`], { encoding: 'utf8' });


describe('values whose text differs between engines arrive as the same values', () => {
  let api: TestApi;
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  let mariaDst: Awaited<ReturnType<typeof createMariaDatabase>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-fidelity-'));
  const COLUMNS = 'id, d, ts, tstz, tt, iv, m';

  beforeAll(async () => {
    [src, dst, maria, mariaDst] = await Promise.all([createPgDatabase('openmms_fid_src'), createPgDatabase('openmms_fid_dst'), createMariaDatabase('openmms_fid'), createMariaDatabase('openmms_fid_dst')]);
    await maria.admin.query(`CREATE TABLE bits (id int, b64 bit(64), b8 bit(8)); INSERT INTO bits VALUES (1, 0xFFFFFFFFFFFFFFFF, 255), (2, 0x8000000000000000, 1), (3, NULL, NULL)`);
    await maria.admin.query(`SET SESSION sql_mode = ''; CREATE DATABASE \`${maria.name}_odd\`;
      CREATE TABLE \`${maria.name}_odd\`.zero_dates (id int primary key, d date); INSERT INTO \`${maria.name}_odd\`.zero_dates VALUES (1, '2024-01-01'), (2, '0000-00-00');
      CREATE TABLE \`${maria.name}_odd\`.long_times (id int primary key, t time); INSERT INTO \`${maria.name}_odd\`.long_times VALUES (1, '10:00:00'), (2, '838:59:59');
      CREATE TABLE \`${maria.name}_odd\`.negative_times (id int primary key, t time(6)); INSERT INTO \`${maria.name}_odd\`.negative_times VALUES (1, '10:00:00'), (2, '-00:00:00.000001');`);
    psql(src.url, `CREATE TABLE edge (id int, d date, ts timestamp, tstz timestamptz, tt timetz, iv interval, m money); INSERT INTO edge VALUES ${ROWS.join(', ')}`);
    api = await TestApi.start('sqlite', dataDir, { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await maria?.admin.query(`DROP DATABASE IF EXISTS \`${maria.name}_odd\``);
    await Promise.all([src?.drop(), dst?.drop(), maria?.drop(), mariaDst?.drop()]);
  });

  /** Runs one job; returns its tasks' [status, errMsg]. */
  const copy = async (name: string, destination: object, from = { type: 'POSTGRESQL', conn: src.conn as object, db: 'public' }, dstDbName?: string, others: object = {}) => {
    const { dataSourceId: id } = (await api.call('POST', mms('/datasources'), { name, type: from.type, config: { source: from.conn, destination } })).body.data;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    // The content checksum compares what OpenMMS reads at both ends: its readers must agree too.
    const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'edge', srcDbName: from.db, dstDbName, others: { 'verify.checksum': true, ...others } });
    expect(res.status, res.text).toBe(200);
    await api.app.runner!.idle();
    return (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${res.body.data.jobId}`))).body.data.objectList.map((t: { status: string; errMsg: string | null }) => [t.status, t.errMsg]);
  };
  const migrate = async (name: string, destination: object) => expect(await copy(name, destination, undefined, name === 'to-pg' ? 'copied' : undefined)).toEqual([['DONE', null]]);

  it('PostgreSQL → PostgreSQL: psql prints the same text at both ends', async () => {
    await migrate('to-pg', { type: 'POSTGRESQL', ...dst.conn });
    // money arrives as numeric(19,2), its exact value (money's text carries a locale's currency sign).
    const source = psql(src.url, `SELECT id, d, ts, tstz, tt, iv, m::numeric, pg_typeof(tt) FROM public.edge ORDER BY id`);
    expect(psql(dst.url, `SELECT ${COLUMNS}, pg_typeof(tt) FROM copied.edge ORDER BY id`)).toBe(source);
    expect(source).toContain('0044-03-15 10:00:00.5 BC');
  });

  it('PostgreSQL → DuckDB: DuckDB reads the same values (its own spelling of BC and intervals; times keep their offset)', async () => {
    await migrate('to-duck', { type: 'DUCKDB', path: 'edge.duckdb' });
    const rows = await duckdbRows(`SELECT ${COLUMNS.split(', ').map((c) => `${c}::VARCHAR`).join(', ')}, typeof(tt) FROM main.edge ORDER BY id`, join(dataDir, 'edge.duckdb'));
    expect(rows.map((r) => r.slice(0, 7))).toEqual(EXPECTED.duckdb);
    expect(rows[0]![7]).toBe('TIME WITH TIME ZONE');
  });

  it('PostgreSQL → lake: read_parquet returns the same values (times with an offset and intervals as their text)', async () => {
    await migrate('to-lake', { type: 'LAKE', path: 'edge-lake' });
    const files = join(dataDir, 'edge-lake', 'edge', '**', '*.parquet'); // the lake's default database is its root
    const rows = await duckdbRows(`SELECT ${COLUMNS.split(', ').map((c) => `${c}::VARCHAR`).join(', ')} FROM read_parquet('${files}', hive_partitioning = true) ORDER BY id`);
    expect(rows).toEqual(EXPECTED.lake);
  });

  it('PostgreSQL → MariaDB: what MariaDB cannot hold is refused by name, not written as something else', async () => {
    const tasks = await copy('to-maria', { type: 'MYSQL', ...MARIADB, database: mariaDst.name });
    expect(tasks).toEqual([['DATA_FAILED', "table 'edge', column 'd', row 1 (id=1): MySQL cannot store the date 0044-03-15 BC"]]);
    expect(mariadb(mariaDst.name, 'SELECT count(*) FROM edge')).toBe('0\n');
  });

  it('MariaDB BIT(64): every value up to 2^64 - 1 arrives, in MariaDB and in PostgreSQL', async () => {
    const from = { type: 'MYSQL', conn: { ...MARIADB, database: maria.name } as object, db: maria.name };
    expect(await copy('bits-maria', { type: 'MYSQL', ...MARIADB, database: mariaDst.name }, from, mariaDst.name)).toEqual([['DONE', null]]);
    expect(await copy('bits-pg', { type: 'POSTGRESQL', ...dst.conn }, from, 'bits')).toEqual([['DONE', null]]);
    const bits = 'SELECT id, CAST(b64 AS UNSIGNED), CAST(b8 AS UNSIGNED) FROM bits ORDER BY id';
    const source = mariadb(maria.name, bits);
    expect(source).toBe('1\t18446744073709551615\t255\n2\t9223372036854775808\t1\n3\tNULL\tNULL\n');
    // MariaDB → MariaDB keeps the BIT columns BIT.
    expect(mariadb(mariaDst.name, bits)).toBe(source);
    expect(mariadb(mariaDst.name, "SELECT GROUP_CONCAT(COLUMN_TYPE ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bits'")).toBe('int(11),bit(64),bit(8)\n');
    expect(psql(dst.url, 'SELECT id, b64, b8 FROM bits.bits ORDER BY id')).toBe(source.replace(/NULL/g, ''));
  });

  it('MariaDB zero dates, TIMEs beyond a day and negative TIMEs are refused by row and column, not turned into something else', async () => {
    const from = { type: 'MYSQL', conn: { ...MARIADB, database: `${maria.name}_odd` } as object, db: `${maria.name}_odd` };
    const tasks = (await copy('odd-pg', { type: 'POSTGRESQL', ...dst.conn }, from, 'odd')).sort();
    expect(tasks).toEqual([
      ['DATA_FAILED', "MariaDB table 'long_times', column 't', row 2: the TIME '838:59:59' is a duration beyond one day; other engines' TIME holds 00:00:00 to 23:59:59; the slice was not copied"],
      ['DATA_FAILED', "MariaDB table 'negative_times', column 't', row 2: the TIME '-00:00:00.000001' is a negative duration; other engines' TIME is a time of day, 00:00:00 to 23:59:59; the slice was not copied"],
      ['DATA_FAILED', `MariaDB table 'zero_dates', column 'd', row 2: the zero date '0000-00-00' has no equal in other engines (make it NULL or a real date at the source, or let the job copy zero dates as NULL: others {"mysql.zeroDatesAsNull": true}); the slice was not copied`],
    ]);
    // The explicit opt-in copies them as NULL (TIMEs beyond a day have none: still refused).
    const optedIn = await copy('odd-pg-null', { type: 'POSTGRESQL', ...dst.conn }, from, 'odd_null', { 'mysql.zeroDatesAsNull': true });
    expect(optedIn.sort().map((t: string[]) => t[0])).toEqual(['DATA_FAILED', 'DATA_FAILED', 'DONE']);
    expect(psql(dst.url, 'SELECT id, d FROM odd_null.zero_dates ORDER BY id')).toBe('1\t2024-01-01\n2\t\n');
  });

  it('PostgreSQL numerics with a scale beyond their precision or a negative one arrive exactly, as the smallest decimal that holds them', async () => {
    psql(src.url, `CREATE SCHEMA scales; CREATE TABLE scales.odd_scale (id int, a numeric(3,5), b numeric(5,-2));
      INSERT INTO scales.odd_scale VALUES (1, 0.00123, 1234500), (2, -0.00999, -9999900), (3, NULL, 0)`);
    const from = { type: 'POSTGRESQL', conn: src.conn as object, db: 'scales' };
    const want = psql(src.url, 'SELECT id, a, b FROM scales.odd_scale ORDER BY id');
    expect(want).toBe('1\t0.00123\t1234500\n2\t-0.00999\t-9999900\n3\t\t0\n');
    expect(await copy('scale-pg', { type: 'POSTGRESQL', ...dst.conn }, from, 'scales_copy')).toEqual([['DONE', null]]);
    expect(psql(dst.url, 'SELECT id, a, b FROM scales_copy.odd_scale ORDER BY id')).toBe(want);
    expect(await copy('scale-maria', { type: 'MYSQL', ...MARIADB, database: mariaDst.name }, from, mariaDst.name)).toEqual([['DONE', null]]);
    const [maria] = await mariaDst.admin.query(`SELECT id, CAST(a AS CHAR) AS a, CAST(b AS CHAR) AS b FROM \`${mariaDst.name}\`.odd_scale ORDER BY id`);
    expect((maria as any[]).map((r) => `${r.id}\t${r.a ?? ''}\t${r.b}\n`).join('')).toBe(want);
    expect(await copy('scale-duck', { type: 'DUCKDB', path: 'scales.duckdb' }, from, 'main')).toEqual([['DONE', null]]);
    const duck = await duckdbRows('SELECT id::VARCHAR, a::VARCHAR, b::VARCHAR FROM main.odd_scale ORDER BY id', join(dataDir, 'scales.duckdb'));
    // DuckDB prints DECIMAL(5,5) without the leading zero (.00123).
    expect(duck.map((r) => `${r[0]}\t${(r[1] ?? '').replace(/^(-?)\./, '$10.')}\t${r[2]}\n`).join('')).toBe(want);
  });

  it('SQLite TEXT that is not UTF-8, and DATE columns holding more than a date, are refused by row and column', async () => {
    const file = join(dataDir, 'odd.sqlite');
    execFileSync('sqlite3', [file, `CREATE TABLE bad_text (id INTEGER PRIMARY KEY, s TEXT); INSERT INTO bad_text VALUES (1, 'fine'), (2, CAST(x'FF41' AS TEXT));
      CREATE TABLE timed_dates (id INTEGER PRIMARY KEY, d DATE); INSERT INTO timed_dates VALUES (1, '2024-01-05'), (2, '2024-01-05 13:00:00');
      CREATE TABLE good (id INTEGER PRIMARY KEY, s TEXT, d DATE); INSERT INTO good VALUES (1, 'é ✓ 𝄞', '2024-01-05'), (2, x'C3A9', '0044-03-15 BC');`]);
    const tasks = await copy('odd-sqlite', { type: 'POSTGRESQL', ...dst.conn }, { type: 'SQLITE', conn: { path: 'odd.sqlite' }, db: 'main' }, 'odd_sqlite');
    expect(tasks.sort()).toEqual([
      ['DATA_FAILED', "SQLite table 'bad_text', column 's', row 2: the value x'ff41' is not UTF-8 text, which a string column holds (SQLite stores TEXT bytes unchecked); the table was not copied"],
      ['DATA_FAILED', "SQLite table 'timed_dates', column 'd', row 2: the TEXT '2024-01-05 13:00:00' is not a date value (only YYYY-MM-DD is a date: declare the column DATETIME to keep a time of day, or store the date alone); the table was not copied"],
      ['DONE', null],
    ]);
    expect(psql(dst.url, 'SELECT id, s, d FROM odd_sqlite.good ORDER BY id')).toBe('1\té ✓ 𝄞\t2024-01-05\n2\té\t0044-03-15 BC\n');
    expect(psql(dst.url, 'SELECT (SELECT count(*) FROM odd_sqlite.bad_text), (SELECT count(*) FROM odd_sqlite.timed_dates)')).toBe('0\t0\n');
  });

  it('PostgreSQL → SQLite: SQLite holds the values\' text', async () => {
    await migrate('to-sqlite', { type: 'SQLITE', path: 'edge.sqlite' });
    const db = new SqliteDatabase(join(dataDir, 'edge.sqlite'), { readonly: true });
    const rows = db.prepare(`SELECT ${COLUMNS} FROM edge ORDER BY id`).raw(true).all() as unknown[][];
    db.close();
    expect(rows.map((r) => r.map((v) => (v === null ? null : String(v))))).toEqual(EXPECTED.sqlite);
  });
});

describe('a lake destination keeps every partition value', () => {
  let api: TestApi;
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-lake-values-'));

  beforeAll(async () => {
    [src, maria] = await Promise.all([createPgDatabase('openmms_lake_src'), createMariaDatabase('openmms_lake')]);
    psql(src.url, `
      CREATE TABLE by_code (id int, code text, at date) PARTITION BY LIST (code);
      CREATE TABLE by_code_007 PARTITION OF by_code FOR VALUES IN ('007');
      CREATE TABLE by_code_slash PARTITION OF by_code FOR VALUES IN ('a/b=c %');
      CREATE TABLE by_code_empty PARTITION OF by_code FOR VALUES IN ('');
      INSERT INTO by_code VALUES (1, '007', '2024-01-01'), (2, 'a/b=c %', '2024-01-02'), (3, '', NULL), (4, '007', '0044-03-15 BC');
      CREATE TABLE by_range (id int, at date) PARTITION BY RANGE (at);
      CREATE TABLE by_range_2024 PARTITION OF by_range FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE by_many (id int, region text) PARTITION BY LIST (region);
      CREATE TABLE by_many_eu PARTITION OF by_many FOR VALUES IN ('eu', 'uk');
      CREATE TABLE with_default (id int, region text) PARTITION BY LIST (region);
      CREATE TABLE with_default_us PARTITION OF with_default FOR VALUES IN ('us');
      CREATE TABLE with_default_rest PARTITION OF with_default DEFAULT;
      INSERT INTO by_range VALUES (1, '2024-06-01'); INSERT INTO by_many VALUES (1, 'eu'), (2, 'uk');
      INSERT INTO with_default VALUES (1, 'us'), (2, 'fr'), (3, NULL);`);
    await maria.admin.query(`CREATE TABLE by_year (id int, y int) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (2000), PARTITION p1 VALUES LESS THAN MAXVALUE)`);
    api = await TestApi.start('sqlite', dataDir, { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([src?.drop(), maria?.drop()]);
  });

  const register = async (name: string, type: string, source: object, destination: object, call: TestApi['call'] = api.call.bind(api)) => {
    const res = await call('POST', mms('/datasources'), { name, type, config: { source, destination } });
    expect(res.status, res.text).toBe(200);
    const id = res.body.data.dataSourceId;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    return id as number;
  };

  it('writes one-value partitions so that a Hive reader gets every row back exactly, types and all', async () => {
    const id = await register('codes', 'POSTGRESQL', src.conn, { type: 'LAKE', path: 'codes-lake' });
    const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'codes', srcDbName: 'public', tables: ['by_code'], others: { 'verify.checksum': true } });
    expect(res.status, res.text).toBe(200);
    await api.app.runner!.idle();
    expect((await api.call('GET', mms(`/datasources/${id}/jobs/${res.body.data.jobId}`))).body.data.status).toBe('DONE');
    const files = join(dataDir, 'codes-lake', 'by_code', '**', '*.parquet');
    const back = await duckdbRows(`SELECT id::VARCHAR, code, typeof(code), "at"::VARCHAR FROM read_parquet('${files}', hive_partitioning = true) ORDER BY id`);
    expect(back).toEqual([
      ['1', '007', 'VARCHAR', '2024-01-01'],
      ['2', 'a/b=c %', 'VARCHAR', '2024-01-02'],
      ['3', '', 'VARCHAR', null],
      ['4', '007', 'VARCHAR', '0044-03-15 (BC)'],
    ]);
    // Read back by OpenMMS as a source, into DuckDB: the same rows, no column twice (reading another
    // data source's destination takes a policy that says so).
    const chain = await api.tenant('chain', { statements: [{ effect: 'Allow', actions: ['*'], resources: ['*'] }, { effect: 'Allow', actions: ['openmms:ShareDestination'], resources: [`datasource/${id}`] }] });
    const again = await register('codes-back', 'LAKE', { path: 'codes-lake' }, { type: 'DUCKDB', path: 'codes.duckdb' }, (m, u, b) => chain(m as 'GET', u, b));
    const job = await api.call('POST', mms(`/datasources/${again}/jobs`), { name: 'back', srcDbName: 'default', others: { 'verify.checksum': true } });
    expect(job.status, job.text).toBe(200);
    await api.app.runner!.idle();
    expect((await api.call('GET', mms(`/datasources/${again}/jobs/${job.body.data.jobId}`))).body.data.status).toBe('DONE');
    expect(await duckdbRows(`SELECT id::VARCHAR, code, typeof(code), "at"::VARCHAR FROM main.by_code ORDER BY id`, join(dataDir, 'codes.duckdb'))).toEqual(back);
  });

  it.each([
    ['by_range', "at=2024-01-01", [['1', '2024-06-01']]],
    ['by_many', 'region=eu,uk', [['1', 'eu'], ['2', 'uk']]],
    ['with_default', 'region=DEFAULT', [['1', 'us'], ['2', 'fr'], ['3', null]]],
  ])('copies %s, whose partitions are not one value each, so a Hive reader gets every value and the partition in mms_partition', async (table, partition, rows) => {
    const id = await register(`lake-${table}`, 'POSTGRESQL', src.conn, { type: 'LAKE', path: `lake-${table}` });
    const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: table, srcDbName: 'public', tables: [table] });
    expect(res.status, res.text).toBe(200);
    await api.app.runner!.idle();
    expect((await api.call('GET', mms(`/datasources/${id}/jobs/${res.body.data.jobId}`))).body.data.status).toBe('DONE');
    const files = join(dataDir, `lake-${table}`, table, '**', '*.parquet');
    const column = table === 'by_range' ? '"at"::VARCHAR' : 'region';
    const back = await duckdbRows(`SELECT id::VARCHAR, ${column}, mms_partition FROM read_parquet('${files}', hive_partitioning = true) ORDER BY id`);
    expect(back.map((r) => r.slice(0, 2))).toEqual(rows);
    expect(back.some((r) => r[2] === partition)).toBe(true);
  });

  it('copies MariaDB RANGE partitions into a lake the same way', async () => {
    await maria.admin.query('INSERT INTO by_year VALUES (1, 1999), (2, 2024)');
    const id = await register('maria-lake', 'MYSQL', { ...MARIADB, database: maria.name }, { type: 'LAKE', path: 'maria-lake' });
    const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'years', srcDbName: maria.name });
    expect(res.status, res.text).toBe(200);
    await api.app.runner!.idle();
    expect((await api.call('GET', mms(`/datasources/${id}/jobs/${res.body.data.jobId}`))).body.data.status).toBe('DONE');
    const files = join(dataDir, 'maria-lake', 'by_year', '**', '*.parquet');
    expect(await duckdbRows(`SELECT id::VARCHAR, y::VARCHAR, mms_partition FROM read_parquet('${files}', hive_partitioning = true) ORDER BY id`)).toEqual([
      ['1', '1999', 'y=MINVALUE'],
      ['2', '2024', expect.stringMatching(/^y=/)],
    ]);
  });
});
