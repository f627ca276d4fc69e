import { execFileSync } from 'node:child_process';
import { DuckDBInstance } from '@duckdb/node-api';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decimalText, floatBits, sqliteCanonical } from '../../src/verification/canonical.js';
import { duckdb } from '../../src/verification/dialects/duckdb.js';
import { mysql as mysqlDialect } from '../../src/verification/dialects/mysql.js';
import { postgres } from '../../src/verification/dialects/postgres.js';
import { createPgDatabase } from '../support/stores.js';
import { createMariaDatabase } from '../support/mariadb.js';

/**
 * Doubles of every shape: subnormals, extremes, integers past 2^53, long fractions, powers of two
 * and their neighbours one bit either side (where an exponent worked out by LOG2 could be off by
 * one), random bit patterns.
 */
function doubles(): number[] {
  const out = [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 0.30000000000000004, 1e15, 1e16, 1e21, 123456789012345680000, 1.5e-7, 100000, 1234567, 2 ** 53 + 2, -2.5, 1 / 3];
  const view = new DataView(new ArrayBuffer(8));
  const bitsAway = (x: number, d: bigint) => {
    view.setFloat64(0, x);
    view.setBigUint64(0, view.getBigUint64(0) + d);
    return view.getFloat64(0);
  };
  for (const k of [-1074, -1023, -1022, -1021, -600, -1, 0, 1, 52, 53, 600, 1022, 1023]) {
    const p = 2 ** k;
    out.push(...[p, -p, bitsAway(p, 1n), bitsAway(p, -1n), -bitsAway(p, -1n)].filter((x) => x !== 0));
  }
  let seed = 7n;
  while (out.length < 300) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    view.setBigUint64(0, seed);
    const x = view.getFloat64(0);
    if (Number.isFinite(x) && x !== 0) out.push(x);
  }
  return out;
}

const column = (kind: 'float32' | 'float64') => ({ name: 'x', type: { kind }, compare: 'value' as const });

/** Doubles with special bits, which MariaDB does not hold. */
const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0];
/** float32 values: doubles a float holds exactly, so that every engine reads the same float. */
const float32s = () => doubles().map(Math.fround).filter((x) => Number.isFinite(x) && x !== 0);
/** A double as PostgreSQL and DuckDB read it. */
const pgText = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Object.is(v, -0) ? '-0' : String(v));
/** As the SQLite writer keeps the doubles SQLite cannot hold (connectors/sqlite/values.ts). */
const sqliteStored = (v: number) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0 (negative zero)' : v);

describe("each engine's SQL prints a double's canonical text (its bits) as the reference does", () => {
  const values = [...doubles(), ...SPECIAL];
  const floats = [...float32s(), ...SPECIAL];
  let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;

  beforeAll(async () => {
    [pgDb, maria] = await Promise.all([createPgDatabase('openmms_canon'), createMariaDatabase('openmms_canon')]);
  });
  afterAll(async () => Promise.all([pgDb?.drop(), maria?.drop()]));

  it.each([
    { kind: 'float64' as const, type: 'float8', of: values },
    { kind: 'float32' as const, type: 'real', of: floats },
  ])('PostgreSQL, $type', ({ kind, type, of }) => {
    const sql = `CREATE TABLE t_${type} (i int, x ${type}); INSERT INTO t_${type} VALUES ${of.map((v, i) => `(${i}, '${pgText(v)}')`).join(', ')}; SELECT ${postgres.canonical(column(kind))} FROM t_${type} ORDER BY i`;
    expect(execFileSync('psql', [pgDb.url, '-qAtX', '-c', sql], { encoding: 'utf8' }).trim().split('\n')).toEqual(of.map(floatBits));
  });

  it.each([
    { kind: 'float64' as const, type: 'double', of: doubles() },
    { kind: 'float32' as const, type: 'float', of: float32s() },
  ])('MariaDB, $type (it holds no NaN, infinity or negative zero)', async ({ kind, type, of }) => {
    await maria.admin.query(`CREATE TABLE t_${type} (i int, x ${type}); INSERT INTO t_${type} VALUES ${of.map((v, i) => `(${i}, ${v})`).join(', ')}`);
    const [rows] = await maria.admin.query<mysql.RowDataPacket[]>({ sql: `SELECT ${mysqlDialect.canonical(column(kind))} FROM t_${type} ORDER BY i`, rowsAsArray: true });
    expect(rows.map((r) => r[0])).toEqual(of.map(floatBits));
  });

  it.each([
    { kind: 'float64' as const, type: 'DOUBLE', of: values },
    { kind: 'float32' as const, type: 'FLOAT', of: floats },
  ])('DuckDB, $type', async ({ kind, type, of }) => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(`CREATE TABLE t (i INTEGER, x ${type}); INSERT INTO t VALUES ${of.map((v, i) => `(${i}, '${pgText(v)}'::${type})`).join(', ')}`);
    const rows = (await c.runAndReadAll(`SELECT ${duckdb.canonical(column(kind))} FROM t ORDER BY i`)).getRows();
    c.closeSync();
    instance.closeSync();
    expect(rows.map((r) => r[0])).toEqual(of.map(floatBits));
  });

  it('SQLite, as the SQLite writer stores doubles', () => {
    expect(values.map((v) => sqliteCanonical(sqliteStored(v), { kind: 'float64' }))).toEqual(values.map(floatBits));
  });
});

describe('the reference canonical texts of other types', () => {
  it('SQLite (through the reference itself), with its dates and times', () => {
    expect(sqliteCanonical('0044-03-15 BC', { kind: 'date' })).toBe('-735160');
    expect(sqliteCanonical('2024-01-31 10:00:00.5+02', { kind: 'timestamptz', precision: 6 })).toBe('1706688000500000');
    expect(sqliteCanonical('10:11:12.345678', { kind: 'time' })).toBe('36672345678');
    expect(sqliteCanonical('true', { kind: 'boolean' })).toBe('string:true');
  });
});

describe("PostgreSQL prints a decimal's and an integer's canonical text as the reference does, whatever the column's type", () => {
  let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    pgDb = await createPgDatabase('openmms_canon_num');
  });
  afterAll(async () => pgDb?.drop());

  const psql = (sql: string) => execFileSync('psql', [pgDb.url, '-qAtX', '-c', sql], { encoding: 'utf8' }).trim().split('\n');
  const decimals = ['0', '0.00', '-0.50', '1.50', '2.00', '100', '100.0', '-100.010', '12345678901234567890.123456789000', '0.000000000001', '1e20', 'NaN', 'Infinity', '-Infinity'];

  // numeric of any scale (scale() decides), numeric(p,s) (its scale pads zeros), money, and a
  // destination column of another type holding decimals as text (printed: no scale() for it).
  it.each([
    { type: 'numeric', native: 'numeric', of: decimals },
    { type: 'numeric(30,12)', native: 'numeric(30,12)', of: decimals.filter((d) => !/e|NaN|Inf/.test(d) && d.length < 25) },
    { type: 'money', native: 'money', of: ['0', '1.50', '-2.00', '1234567.89'] },
    { type: 'text', native: 'text', of: ['1.50', '2.00', '100', '-0.50', 'NaN'] },
  ])('decimal in a $type column', ({ type, native, of }) => {
    const t = `t_${type.replace(/\W/g, '_')}`;
    const column = { name: 'x', type: { kind: 'decimal' as const, precision: 38, scale: 12 }, native, compare: 'value' as const };
    const printed = psql(`CREATE TABLE ${t} (i int, x ${type}); INSERT INTO ${t} VALUES ${of.map((v, i) => `(${i}, '${v}')`).join(', ')}, (${of.length}, NULL); SELECT coalesce(${type === 'money' ? 'x::numeric' : 'x'}::text, 'NULL') FROM ${t} ORDER BY i`);
    const canonical = psql(`SELECT coalesce(${postgres.canonical(column)}, 'NULL') FROM ${t} ORDER BY i`);
    expect(canonical).toEqual(printed.map((p) => (p === 'NULL' ? p : decimalText(p))));
  });

  it.each(['smallint', 'integer', 'bigint'] as const)('%s', (type) => {
    const kind = ({ smallint: 'int16', integer: 'int32', bigint: 'int64' } as const)[type];
    const of = type === 'smallint' ? [-32768, -1, 0, 7, 32767] : type === 'integer' ? [-2147483648, 0, 42, 2147483647] : ['-9223372036854775808', '0', '9007199254740993', '9223372036854775807'];
    const canonical = psql(`CREATE TABLE t_${type} (i int, x ${type}); INSERT INTO t_${type} VALUES ${of.map((v, i) => `(${i}, ${v})`).join(', ')}, (${of.length}, NULL); SELECT coalesce(${postgres.canonical({ name: 'x', type: { kind }, compare: 'value' })}, 'NULL') FROM t_${type} ORDER BY i`);
    expect(canonical).toEqual([...of.map(String), 'NULL']);
  });
});
