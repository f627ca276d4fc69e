import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { PORTABLE_SCHEME, sqliteCanonical } from '../../src/verification/canonical.js';
import type { HashColumn } from '../../src/verification/dialects/dialect.js';
import { duckdb, parquet } from '../../src/verification/dialects/duckdb.js';
import { mysql as mysqlDialect } from '../../src/verification/dialects/mysql.js';
import { postgres } from '../../src/verification/dialects/postgres.js';
import { FUNCTIONS, sqlite } from '../../src/verification/dialects/sqlite.js';
import { createMariaDatabase } from '../support/mariadb.js';
import { createPgDatabase } from '../support/stores.js';

/**
 * The portable row text is unambiguous: rows that differ hash differently in every engine, however
 * their values are made to look like each other (a separator moved across a column boundary, an
 * escape spelled out, NULL against '' and the text 'n' or 'NULL'), and every engine hashes a row
 * the same as every other does.
 */

const US = '\x1f';
/** Pairs of rows (a, b) that must hash apart. */
const PAIRS: [(string | null)[], (string | null)[]][] = [
  [[`x${US}vy`, null], ['x', `y${US}n`]],
  [[`a${US}vb`, 'c'], ['a', `b${US}vc`]],
  [['', null], [null, '']],
  [[null, null], ['', '']],
  [['n', null], [null, 'n']],
  [['NULL', 'v'], [null, 'v']],
  [['\\s', 'x'], [US, 'x']],
  [['a\\', 's'], ['a', '\\s']],
  [['\\\\', ''], ['\\', '\\']],
  [[`${US}${US}`, ''], [US, US]],
];
const ROWS = PAIRS.flat();
const COLUMNS: HashColumn[] = ['a', 'b'].map((name) => ({ name, type: { kind: 'string' }, compare: 'value' }));

describe('the portable row encoding', () => {
  let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  const hashes: Record<string, string[]> = {};

  beforeAll(async () => {
    [pgDb, maria] = await Promise.all([createPgDatabase('openmms_rowenc'), createMariaDatabase('openmms_rowenc')]);
  });
  afterAll(async () => Promise.all([pgDb?.drop(), maria?.drop()]));

  /** The rows' hashes in `i` order, and that every pair hashes apart. */
  const check = (engine: string, found: unknown[]) => {
    const texts = found.map(String);
    expect(texts).toHaveLength(ROWS.length);
    PAIRS.forEach((_, k) => expect(texts[2 * k], `${engine}: pair ${k}`).not.toBe(texts[2 * k + 1]));
    hashes[engine] = texts;
  };

  it('PostgreSQL (psql)', () => {
    const literal = (v: string | null) => (v === null ? 'NULL' : `E'${v.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\x1f/g, '\\x1f')}'`);
    const values = ROWS.map((r, i) => `(${i}, ${literal(r[0]!)}, ${literal(r[1]!)})`).join(', ');
    const sql = `CREATE TABLE t (i int, a text, b text); INSERT INTO t VALUES ${values}; SELECT ${postgres.rowHash(COLUMNS, PORTABLE_SCHEME)} FROM t ORDER BY i`;
    check('PostgreSQL', execFileSync('psql', [pgDb.url, '-qAtX', '-c', sql], { encoding: 'utf8' }).trim().split('\n'));
  });

  it('MariaDB', async () => {
    await maria.admin.query('CREATE TABLE t (i int, a text, b text) CHARACTER SET latin1');
    for (const [i, r] of ROWS.entries()) await maria.admin.query('INSERT INTO t VALUES (?, ?, ?)', [i, r[0], r[1]]);
    const [rows] = await maria.admin.query<mysql.RowDataPacket[]>({ sql: `SELECT CAST(${mysqlDialect.rowHash(COLUMNS, PORTABLE_SCHEME)} AS CHAR) FROM t ORDER BY i`, rowsAsArray: true });
    check('MariaDB', rows.map((r) => r[0]));
  });

  it('DuckDB, and the lake (its Parquet files read by DuckDB)', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      await c.run('CREATE TABLE t (i INTEGER, a VARCHAR, b VARCHAR)');
      const insert = await c.prepare('INSERT INTO t VALUES ($1, $2, $3)');
      for (const [i, r] of ROWS.entries()) {
        insert.bindInteger(1, i);
        for (const k of [0, 1]) (r[k] === null ? insert.bindNull(k + 2) : insert.bindVarchar(k + 2, r[k]!));
        await insert.run();
      }
      check('DuckDB', (await c.runAndReadAll(`SELECT CAST(${duckdb.rowHash(COLUMNS, PORTABLE_SCHEME)} AS VARCHAR) FROM t ORDER BY i`)).getRows().map((r) => r[0]));
      const file = join(mkdtempSync(join(tmpdir(), 'openmms-rowenc-')), 't.parquet');
      await c.run(`COPY t TO '${file}' (FORMAT parquet)`);
      check('lake', (await c.runAndReadAll(`SELECT CAST(${parquet.rowHash(COLUMNS, PORTABLE_SCHEME)} AS VARCHAR) FROM read_parquet('${file}') ORDER BY i`)).getRows().map((r) => r[0]));
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it("MariaDB: a TIME's canonical text keeps its sign (a duration there), so -01:00:00 never passes for 01:00:00", async () => {
    const time: HashColumn = { name: 't', type: { kind: 'time' }, compare: 'value' };
    const [rows] = await maria.admin.query<mysql.RowDataPacket[]>({
      sql: `SELECT ${mysqlDialect.canonical(time)} FROM (SELECT CAST('01:00:00' AS TIME(6)) AS t UNION ALL SELECT CAST('-01:00:00' AS TIME(6)) UNION ALL SELECT CAST('00:00:00.5' AS TIME(6))) x`,
      rowsAsArray: true,
    });
    expect(rows.map((r) => r[0])).toEqual(['3600000000', '-3600000000', '500000']);
  });

  it('a float zero keeps its sign in every engine that holds one (MariaDB holds none)', async () => {
    const f: HashColumn = { name: 'f', type: { kind: 'float64' }, compare: 'value' };
    const pg = execFileSync('psql', [pgDb.url, '-qAtX', '-c', `SELECT ${postgres.canonical(f)} FROM (VALUES (1, '-0'::float8), (2, '0'::float8), (3, '-0'::float4::float8)) v(i, f) ORDER BY i`], { encoding: 'utf8' });
    expect(pg).toBe('8000000000000000\n0000000000000000\n8000000000000000\n');
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    const duck = (await c.runAndReadAll(`SELECT ${duckdb.canonical(f)} FROM (VALUES (1, '-0'::DOUBLE), (2, '0'::DOUBLE), (3, '-0'::FLOAT)) v(i, f) ORDER BY i`)).getRows();
    c.closeSync();
    instance.closeSync();
    expect(duck.map((r) => r[0])).toEqual(['8000000000000000', '0000000000000000', '8000000000000000']);
    expect([sqliteCanonical('-0 (negative zero)', { kind: 'float64' }), sqliteCanonical(0, { kind: 'float64' }), sqliteCanonical(-0, { kind: 'float64' })]).toEqual(['8000000000000000', '0000000000000000', '8000000000000000']);
    const [rows] = await maria.admin.query<mysql.RowDataPacket[]>({ sql: `SELECT ${mysqlDialect.canonical(f)} FROM (SELECT -0e0 AS f) x`, rowsAsArray: true });
    expect(rows.map((r) => r[0])).toEqual(['0000000000000000']);
  });

  it('SQLite', () => {
    const db = new SqliteDatabase(':memory:');
    try {
      for (const [name, fn] of Object.entries(FUNCTIONS)) db.function(name, { deterministic: true, safeIntegers: true }, fn);
      db.exec('CREATE TABLE t (i INTEGER, a TEXT, b TEXT)');
      const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
      for (const [i, r] of ROWS.entries()) insert.run(i, r[0], r[1]);
      check('SQLite', db.prepare(`SELECT CAST(${sqlite.rowHash(COLUMNS, PORTABLE_SCHEME)} AS TEXT) FROM t ORDER BY i`).pluck().all());
    } finally {
      db.close();
    }
  });

  it('every engine hashes each row alike', () => {
    expect(Object.keys(hashes).sort()).toEqual(['DuckDB', 'MariaDB', 'PostgreSQL', 'SQLite', 'lake']);
    for (const engine of ['MariaDB', 'DuckDB', 'lake', 'SQLite']) expect(hashes[engine], engine).toEqual(hashes.PostgreSQL);
  });
});
