import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase } from '../support/stores.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { readBack, type ReadBack, type ValueClass } from './read-back.js';
import { duckdbRun } from '../support/duckdb-read.js';

/**
 * The type and corruption matrix: a table of edge values of every common type, from PostgreSQL,
 * MariaDB and SQLite to every destination engine, copied with the default verification and read
 * back at both ends with the engines' own clients (read-back.ts), value for value. Then every
 * compared column of one destination row is changed with the destination engine's own client (row 2
 * gets row 3's values, valid values of the right types) and a verification-only job must fail naming
 * each column with both values: the names come from the same canonical values the fingerprints hash,
 * so a column whose change went unseen would be missing. Columns the two engines print by different
 * rules are compared by presence only, and the verification says so.
 */

const psql = (url: string, sql: string) => execFileSync('psql', [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
const mariadb = (db: string, sql: string) =>
  execFileSync('mariadb', ['--protocol=tcp', '-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.user, ...(MARIADB.password ? [`-p${MARIADB.password}`] : []), '-N', '-B', db, '-e', sql], { encoding: 'utf8' });
const sqlite3 = (file: string, sql: string) => execFileSync('sqlite3', [file, sql], { encoding: 'utf8' });


const q = (name: string) => `"${name}"`;
/** `SET a = (…a of row 3…), b = …`: row 2 takes row 3's values of these columns. */
const fromRow3 = (columns: string[], value: (c: string) => string) => columns.map((c) => `${q(c)} = ${value(c)}`).join(', ');

interface Source {
  type: 'POSTGRESQL' | 'MYSQL' | 'SQLITE';
  table: string;
  /** Each column but id, by how the clients print it. */
  columns: Record<string, ValueClass>;
}

const PG_SOURCE: Source = {
  type: 'POSTGRESQL',
  table: 'edge_pg',
  columns: {
    b: 'bool', i2: 'int', i8: 'int', n: 'decimal', f4: 'float', f8: 'float', t: 'text', c: 'char', by: 'binary', d: 'date', ts: 'timestamp',
    tz: 'timestamptz', tm: 'time', ttz: 'timetz', iv: 'interval', u: 'uuid', j: 'json', arr: 'json', mon: 'money',
  },
};
const PG_TABLE = `CREATE TABLE edge_pg (id int, b bool, i2 smallint, i8 bigint, n numeric(20,6), f4 real, f8 float8, t text, c char(5), "by" bytea, d date, ts timestamp, tz timestamptz, tm time, ttz timetz, iv interval, u uuid, j jsonb, arr int[], mon money);
  INSERT INTO edge_pg VALUES
  (1, true, -32768, -9223372036854775808, -99999999999999.999999, 3.4028235e38, -1.7976931348623157e308, E'q'' b\\\\ cr\\r lf\\n tab\\t 😀 NULL \\\\N', 'ab', '\\x00ff00', '2024-02-29', '2024-02-29 23:59:59.999999', '1999-12-31 23:00:00-02', '23:59:59.999999', '04:05:06.789+05:30', '-1 year -2 mons -3 days -01:02:03.000001', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": [1, 2.50, null], "a": "x"}', '{1,NULL,3}', 1234.56),
  (2, false, 32767, 9223372036854775807, 0.000001, 1.4e-45, 5e-324, '', 'x', '\\x', '1970-01-01', '1970-01-01 00:00:00', '2038-01-19 03:14:08+00', '00:00:00', '00:00:00+00', '0', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '[]', '{}', -0.01),
  (3, true, 0, 0, 123.45, -0.0, 0.1, 'NULL', '\\N', '\\x01', '2000-01-01', '2000-01-01 12:00:00.5', '2000-01-01 12:00:00.5+00', '12:00:00.5', '12:00:00-08', '1 day', 'c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": "v"}', '{7}', 0),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

/** What MariaDB has no equal for (docs/API.md "Fidelity"), and PostgreSQL types carried as text. */
const PG_SPECIAL: Source = {
  type: 'POSTGRESQL',
  table: 'special_pg',
  columns: { f: 'float', d: 'date', ts: 'timestamp', e: 'text', ip: 'text', bits: 'text', js: 'json', free: 'text', wide: 'decimal', p: 'text' },
};
const PG_SPECIAL_TABLE = `CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE TYPE pair AS (a int, b text);
  CREATE TABLE special_pg (id int, f float8, d date, ts timestamp, e mood, ip inet, bits bit varying(12), js json, free numeric, wide numeric(50,20), p pair);
  INSERT INTO special_pg VALUES
  (1, 'NaN', 'infinity', '-infinity', 'happy', '192.168.0.1/24', B'101', '{"b": 1, "a": 2, "a": 3}', 0.1000000000000000000000000000001, 123456789012345678901234567890.12345678901234567890, ROW(NULL, NULL)),
  (2, 'Infinity', '0044-03-15 BC', '0044-03-15 10:00:00.5 BC', 'sad', '::1', B'', '[1, "x", null]', -1e-30, -0.00000000000000000001, ROW(1, 'x "y')),
  (3, '-Infinity', '-infinity', 'infinity', NULL, '10.0.0.0/8', B'111111111111', '{}', 'NaN', 0, ROW(NULL, '')),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (5, '-0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ROW(2, NULL))`;

/** Every type PostgreSQL → DuckDB takes through CSV (duckdb/csv-load.ts), with the texts CSV must quote. */
const PG_CSV: Source = {
  type: 'POSTGRESQL',
  table: 'csv_pg',
  columns: { b: 'bool', i2: 'int', i8: 'int', n: 'decimal', f8: 'float', t: 'text', c: 'char', d: 'date', ts: 'timestamp', tz: 'timestamptz', u: 'uuid', j: 'json' },
};
const PG_CSV_TABLE = `CREATE TABLE csv_pg (id int, b bool, i2 smallint, i8 bigint, n numeric(20,6), f8 float8, t text, c char(5), d date, ts timestamp, tz timestamptz, u uuid, j jsonb);
  INSERT INTO csv_pg VALUES
  (1, true, -32768, -9223372036854775808, -99999999999999.999999, -1.7976931348623157e308, E'q'' b\\\\ "quoted", comma, cr\\r lf\\n tab\\t 😀 NULL \\\\N', 'a,"b', '2024-02-29', '2024-02-29 23:59:59.999999', '1999-12-31 23:00:00-02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": [1, 2.50, null], "a": "x,\\"y"}'),
  (2, false, 32767, 9223372036854775807, 0.000001, 5e-324, '', '', '0001-01-01 BC', '0001-12-31 23:59:59 BC', '2038-01-19 03:14:08+00', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '[]'),
  (3, true, 0, 0, 123.45, 0.1, 'NULL', 'NULL', '2000-01-01', '2000-01-01 12:00:00.5', '2000-01-01 12:00:00.5+00', 'c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": "v"}'),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (5, false, 1, -1, -0.5, '-0', '""', '"', '4713-01-01 BC', 'infinity', '-infinity', 'd0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '""')`;

const MARIA_SOURCE: Source = {
  type: 'MYSQL',
  table: 'edge_maria',
  columns: {
    b: 'bool', tu: 'int', bu: 'int', b64: 'int', y: 'int', n: 'decimal', f: 'float', dbl: 'float', t: 'text', c: 'char', bl: 'binary', d: 'date',
    dt: 'timestamp', ts: 'timestamptz', tm: 'time', e: 'text', s: 'text', j: 'text', u: 'uuid',
  },
};
const MARIA_TABLE = `CREATE TABLE edge_maria (id int, b bit(1), tu tinyint unsigned, bu bigint unsigned, b64 bit(64), y year, n decimal(20,6), f float, dbl double,
    t text CHARACTER SET latin1, c char(5), bl blob, d date, dt datetime(6), ts timestamp(6) NULL, tm time(6), e enum('a','b'), s set('x','y'), j json, u uuid);
  INSERT INTO edge_maria VALUES
  (1, b'1', 255, 18446744073709551615, 0xFFFFFFFFFFFFFFFF, 2155, -99999999999999.999999, 3.4028234663852886e38, -1.7976931348623157e308, 'café \\\\ '' tab\\t', 'ab', 0x00FF00, '1000-01-01', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '23:59:59.999999', 'a', 'x,y', '{"b": 1, "a": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (2, b'0', 0, 0, 0, 1901, 0.000001, 1.5, 5e-324, '', 'x', '', '1970-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:01', '00:00:00', 'b', '', '[]', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (3, b'1', 7, 9223372036854775808, 0x8000000000000000, 2000, 123.45, -0.5, 0.1, 'NULL', '\\\\N', 0x01, '2000-01-01', '2000-01-01 12:00:00.5', '2000-01-01 12:00:00.5', '12:00:00.5', 'a', 'y', '{"k": "v"}', 'c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

const SQLITE_SOURCE: Source = {
  type: 'SQLITE',
  table: 'edge_sqlite',
  columns: { b: 'bool', i: 'int', r: 'float', n: 'decimal', t: 'text', bl: 'binary', d: 'date', ts: 'timestamp', j: 'json' },
};
const SQLITE_TABLE = `CREATE TABLE edge_sqlite (id INTEGER, b BOOLEAN, i INTEGER, r REAL, n DECIMAL(20,6), t TEXT, bl BLOB, d DATE, ts TIMESTAMP, j JSON);
  INSERT INTO edge_sqlite VALUES
  (1, 1, 9223372036854775807, 1.7976931348623157e308, 12.5, 'q'' b\\ 😀 NULL', x'00ff00', '2024-02-29', '2024-02-29 23:59:59.999999', '{"b":1,"a":[1,2]}'),
  (2, 0, -9223372036854775808, 5e-324, 7, '', x'', '1970-01-01', '1970-01-01 00:00:00', '[]'),
  (3, 1, 0, 0.1, '0.000001', 'NULL', x'01', '2000-01-01', '2000-01-01 12:00:00.5', '{"k":"v"}'),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);`;

type DestinationType = 'POSTGRESQL' | 'MYSQL' | 'SQLITE' | 'DUCKDB' | 'LAKE';
const DESTINATIONS: DestinationType[] = ['POSTGRESQL', 'MYSQL', 'SQLITE', 'DUCKDB', 'LAKE'];

describe('the type and corruption matrix: every value arrives, and a changed one fails verification, named', () => {
  let api: TestApi;
  let pgSrc: Awaited<ReturnType<typeof createPgDatabase>>;
  let pgDst: Awaited<ReturnType<typeof createPgDatabase>>;
  let mariaSrc: Awaited<ReturnType<typeof createMariaDatabase>>;
  let mariaDst: Awaited<ReturnType<typeof createMariaDatabase>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-corruption-'));
  const files = dataDir; // the service's file root in tests
  const sqliteSource = join(files, 'source.sqlite');

  beforeAll(async () => {
    [pgSrc, pgDst, mariaSrc, mariaDst] = await Promise.all([
      createPgDatabase('openmms_cm_src'), createPgDatabase('openmms_cm_dst'), createMariaDatabase('openmms_cm_src'), createMariaDatabase('openmms_cm_dst'),
    ]);
    psql(pgSrc.url, `${PG_TABLE}; ${PG_SPECIAL_TABLE}; ${PG_CSV_TABLE}`);
    await mariaSrc.admin.query(MARIA_TABLE);
    api = await TestApi.start('sqlite', dataDir, { runJobs: true });
    sqlite3(sqliteSource, SQLITE_TABLE);
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([pgSrc?.drop(), pgDst?.drop(), mariaSrc?.drop(), mariaDst?.drop()]);
  });

  const sourceConfig = (s: Source): { conn: object; db: string; read: ReadBack } =>
    s.type === 'POSTGRESQL'
      ? { conn: pgSrc.conn, db: 'public', read: { storage: 'postgres', at: pgSrc.url, table: `public.${s.table}` } }
      : s.type === 'MYSQL'
        ? { conn: { ...MARIADB, database: mariaSrc.name }, db: mariaSrc.name, read: { storage: 'mariadb', at: mariaSrc.name, table: s.table } }
        : { conn: { path: 'source.sqlite' }, db: 'main', read: { storage: 'sqlite', at: sqliteSource, table: s.table } };

  /** Where each destination keeps the copy, and how its own client changes and restores one value. */
  function destination(type: DestinationType, s: Source) {
    const dstDb = type === 'POSTGRESQL' ? 'copies' : type === 'MYSQL' ? mariaDst.name : type === 'LAKE' ? 'default' : 'main';
    const t = s.table;
    const lakeFile = () => {
      const folder = join(files, `lake-${t}`, t);
      return join(folder, readdirSync(folder).find((f) => f.endsWith('.parquet'))!);
    };
    switch (type) {
      case 'POSTGRESQL':
        return {
          config: { type, ...pgDst.conn }, dstDb, read: { storage: 'postgres', at: pgDst.url, table: `copies.${t}` } as ReadBack,
          corrupt: async (cs: string[]) => psql(pgDst.url, `CREATE TABLE copies.bk AS SELECT * FROM copies.${t}; UPDATE copies.${t} SET ${fromRow3(cs, (c) => `(SELECT ${q(c)} FROM copies.bk WHERE id = 3)`)} WHERE id = 2`),
          restore: async () => psql(pgDst.url, `TRUNCATE copies.${t}; INSERT INTO copies.${t} SELECT * FROM copies.bk; DROP TABLE copies.bk`),
        };
      case 'MYSQL':
        return {
          config: { type, ...MARIADB, database: mariaDst.name }, dstDb, read: { storage: 'mariadb', at: dstDb, table: t } as ReadBack,
          corrupt: async (cs: string[]) => mariadb(dstDb, `CREATE TABLE bk AS SELECT * FROM ${t}; UPDATE ${t} a JOIN bk b ON b.id = 3 SET ${cs.map((c) => `a.\`${c}\` = b.\`${c}\``).join(', ')} WHERE a.id = 2`),
          restore: async () => mariadb(dstDb, `DELETE FROM ${t}; INSERT INTO ${t} SELECT * FROM bk; DROP TABLE bk`),
        };
      case 'SQLITE': {
        const file = join(files, `${t}.sqlite`);
        return {
          config: { type, path: `${t}.sqlite` }, dstDb, read: { storage: 'sqlite', at: file, table: t } as ReadBack,
          corrupt: async (cs: string[]) => sqlite3(file, `CREATE TABLE bk AS SELECT * FROM ${t}; UPDATE ${t} SET ${fromRow3(cs, (c) => `(SELECT ${q(c)} FROM bk WHERE id = 3)`)} WHERE id = 2`),
          restore: async () => sqlite3(file, `DELETE FROM ${t}; INSERT INTO ${t} SELECT * FROM bk; DROP TABLE bk`),
        };
      }
      case 'DUCKDB': {
        const file = join(files, `${t}.duckdb`);
        return {
          config: { type, path: `${t}.duckdb` }, dstDb, read: { storage: 'duckdb', at: file, table: `main.${t}` } as ReadBack,
          corrupt: (cs: string[]) => duckdbRun(file, `CREATE TABLE bk AS SELECT * FROM main.${t}; UPDATE main.${t} SET ${fromRow3(cs, (c) => `(SELECT ${q(c)} FROM bk WHERE id = 3)`)} WHERE id = 2`),
          restore: () => duckdbRun(file, `DELETE FROM main.${t}; INSERT INTO main.${t} SELECT * FROM bk; DROP TABLE bk`),
        };
      }
      case 'LAKE':
        return {
          config: { type, path: `lake-${t}` }, dstDb, read: { storage: 'parquet', at: join(files, `lake-${t}`, t, '*.parquet'), table: t } as ReadBack,
          corrupt: async (cs: string[]) => {
            const f = lakeFile();
            copyFileSync(f, `${f}.bk`);
            const replaced = cs.map((c) => `CASE WHEN id = 2 THEN (SELECT ${q(c)} FROM read_parquet('${f}.bk') WHERE id = 3) ELSE ${q(c)} END AS ${q(c)}`).join(', ');
            await duckdbRun(':memory:', `COPY (SELECT * REPLACE (${replaced}) FROM read_parquet('${f}.bk')) TO '${f}' (FORMAT PARQUET)`);
          },
          restore: async () => {
            const f = lakeFile();
            copyFileSync(`${f}.bk`, f);
          },
        };
    }
  }

  /** Runs a job and returns its one task's status, error and first partition's verification. */
  async function run(id: number, body: object) {
    const res = await api.call('POST', mms(`/datasources/${id}/jobs`), body);
    expect(res.status, res.text).toBe(200);
    await api.app.runner!.idle();
    const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${res.body.data.jobId}`))).body.data.objectList;
    const detail = (await api.call('GET', mms(`/datasources/${id}/tasks/${task.id}`))).body.data;
    return { status: task.status as string, errMsg: task.errMsg as string | null, verification: detail.partitions[0]?.verification };
  }

  const pairs = [PG_SOURCE, MARIA_SOURCE, SQLITE_SOURCE].flatMap((s) => DESTINATIONS.map((d) => [s.type, d, s] as const));

  it.each(pairs)('%s → %s', async (_from, to, s) => {
    const src = sourceConfig(s);
    const dst = destination(to, s);
    const res = await api.call('POST', mms('/datasources'), { name: `${s.table}-${to}`, type: s.type, config: { source: src.conn, destination: dst.config } });
    expect(res.status, res.text).toBe(200);
    const id = res.body.data.dataSourceId as number;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    const job = { name: 'copy', srcDbName: src.db, dstDbName: dst.dstDb, tables: [s.table] };
    const copied = await run(id, job);
    expect([copied.status, copied.errMsg]).toEqual(['DONE', null]);
    expect(copied.verification.sourceFingerprint).toBe(copied.verification.destinationFingerprint);
    // Value for value, as the engines' own clients print them.
    const columns: Record<string, ValueClass> = { id: 'int', ...s.columns };
    const back = await readBack(dst.read, columns);
    expect(back).toEqual(await readBack(src.read, columns));
    expect(back.length).toBe(4);

    const presenceOnly: string[] = copied.verification.presenceOnly ?? [];
    const compared = Object.keys(s.columns).filter((c) => !presenceOnly.includes(c));
    await dst.corrupt(compared);
    try {
      const checked = await run(id, { ...job, name: 'verify-changed', taskType: 'MC2MC_VERIFY', increment: false });
      expect([checked.status, checked.errMsg]).toEqual(['VERIFICATION_FAILED', expect.stringMatching(/the row \(id='2'.*?\) has /)]);
      // Each changed column is named once, in order, with both values.
      const named = [...checked.errMsg!.matchAll(/(?:\) has |at the destination, )(\w+) .+? at the source but /g)].map((m) => m[1]);
      expect(named).toEqual(compared);
    } finally {
      await dst.restore();
    }
    // Restored: verification passes again.
    expect((await run(id, { ...job, name: 'verify-restored', taskType: 'MC2MC_VERIFY', increment: false })).status).toBe('DONE');
  });

  /** A data source from `s` to `to`, scanned, and a job copying `s`'s table: both ends and the job's end. */
  async function copyTable(s: Source, to: DestinationType, name: string, options?: Record<string, unknown>) {
    const src = sourceConfig(s);
    const dst = destination(to, s);
    const res = await api.call('POST', mms('/datasources'), { name: `${name}-${to}`, type: s.type, config: { source: src.conn, destination: { ...dst.config, ...(options && { options }) } } });
    const id = res.body.data.dataSourceId as number;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    return { src, dst, copied: await run(id, { name, srcDbName: src.db, dstDbName: dst.dstDb, tables: [s.table] }) };
  }

  // Into the lake in files of 2 rows: the CSV is cut between rows, never inside a quoted newline.
  it.each(['DUCKDB', 'LAKE'] as const)('PostgreSQL → %s through the engines\' own CSV: quoted texts, NULL beside empty and "NULL", BC years, extremes, exactly', async (to) => {
    const { src, dst, copied } = await copyTable(PG_CSV, to, 'csv', to === 'LAKE' ? { rowsPerFile: 2 } : undefined);
    expect([copied.status, copied.errMsg]).toEqual(['DONE', null]);
    const columns: Record<string, ValueClass> = { id: 'int', ...PG_CSV.columns };
    expect(await readBack(dst.read, columns)).toEqual(await readBack(src.read, columns));
  });

  it.each(['DUCKDB', 'LAKE'] as const)('PostgreSQL → %s: a row over the CSV reader\'s line limit goes through the appender, exactly', async (to) => {
    psql(pgSrc.url, `SET client_min_messages = warning; DROP TABLE IF EXISTS csv_long; CREATE TABLE csv_long (id int, t text); INSERT INTO csv_long VALUES (1, repeat(md5('a'), 300000)), (2, 'short, "quoted"')`);
    const { copied } = await copyTable({ type: 'POSTGRESQL', table: 'csv_long', columns: { t: 'text' } }, to, 'long');
    expect([copied.status, copied.errMsg]).toEqual(['DONE', null]);
    // Digests: psql's output of the 9.6 MB row would overflow a child process's buffer.
    const digests = 'SELECT id, length(t) AS n, md5(t) AS md5 FROM csv_long ORDER BY id';
    const [file, table] = to === 'DUCKDB' ? [join(files, 'csv_long.duckdb'), 'main.csv_long'] : [':memory:', `read_parquet('${join(files, 'lake-csv_long', 'csv_long', '*.parquet')}')`];
    const instance = await DuckDBInstance.create(file);
    const c = await instance.connect();
    const copiedDigests = (await c.runAndReadAll(digests.replace('csv_long', table))).getRows().map((r) => r.map(String).join('|'));
    c.closeSync();
    instance.closeSync();
    expect(copiedDigests).toEqual(psql(pgSrc.url, digests).trim().split('\n'));
    expect(copiedDigests[0]).toMatch(/^1\|9600000\|/);
  });

  it.each(DESTINATIONS)('PostgreSQL NaN, infinities, BC dates, enum, inet, bit, json, unbounded numeric and composites (all fields NULL too) → %s: copied exactly, or refused by row in MariaDB', async (to) => {
    const { src, dst, copied } = await copyTable(PG_SPECIAL, to, 'special');
    if (to === 'MYSQL') {
      expect([copied.status, copied.errMsg]).toEqual(['DATA_FAILED', "table 'special_pg', column 'f', row 1 (id=1): MySQL cannot store NaN (float64)"]);
      return;
    }
    expect([copied.status, copied.errMsg]).toEqual(['DONE', null]);
    const columns: Record<string, ValueClass> = { id: 'int', ...PG_SPECIAL.columns };
    expect(await readBack(dst.read, columns)).toEqual(await readBack(src.read, columns));
  });
});
