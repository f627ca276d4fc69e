import { execFileSync } from 'node:child_process';
import { DuckDBInstance } from '@duckdb/node-api';
import { MARIADB } from '../support/mariadb.js';

/**
 * Reading a table back with each engine's own client (psql, the mariadb CLI, the sqlite3 CLI,
 * DuckDB itself), every value in a form the engine's own functions print, then brought to one
 * spelling per documented mapping (docs/API.md "Fidelity"): nothing here goes through OpenMMS.
 */
export type ValueClass = 'bool' | 'int' | 'decimal' | 'money' | 'float' | 'text' | 'char' | 'binary' | 'date' | 'timestamp' | 'timestamptz' | 'time' | 'timetz' | 'interval' | 'uuid' | 'json';

export type Storage = 'postgres' | 'mariadb' | 'sqlite' | 'duckdb' | 'parquet';

/** Where a class is kept as text (docs/API.md "Fidelity": mapped). */
const asText: Record<Storage, ValueClass[]> = {
  postgres: [],
  mariadb: ['timetz', 'interval', 'uuid'],
  sqlite: ['date', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval', 'uuid', 'json', 'decimal'],
  duckdb: [],
  parquet: ['timetz', 'interval'],
};

/** The SELECT expression printing a column of a class, in the engine's own functions. */
function expr(storage: Storage, k: ValueClass, col: string): string {
  const text = asText[storage].includes(k);
  switch (storage) {
    case 'postgres':
      switch (k) {
        case 'bool': return `CASE WHEN ${col} THEN 'true' WHEN NOT ${col} THEN 'false' END`;
        case 'money': return `${col}::numeric::text`;
        case 'float': return `${col}::float8::text`;
        // concat() prints with the type's output function (inet without its /128, enums, bits).
        case 'text': return `encode(convert_to(concat(${col}), 'UTF8'), 'hex')`;
        case 'char': return `encode(convert_to(rtrim(${col}::text, ' '), 'UTF8'), 'hex')`;
        case 'binary': return `encode(${col}, 'hex')`;
        case 'interval': return `(extract(year FROM ${col}) * 12 + extract(month FROM ${col}))::int || ',' || extract(day FROM ${col})::int || ',' || ((extract(hour FROM ${col}) * 3600 + extract(minute FROM ${col}) * 60) * 1000000 + extract(microseconds FROM ${col}))::bigint`;
        case 'json': return `to_json(${col})::text`;
        default: return `${col}::text`;
      }
    case 'mariadb': {
      if (text) return `CONVERT(${col} USING utf8mb4)`;
      switch (k) {
        case 'bool': return `CASE WHEN ${col} + 0 = 1 THEN 'true' WHEN ${col} + 0 = 0 THEN 'false' END`;
        case 'int': return `CAST(${col} + 0 AS CHAR)`;
        case 'float': return `CAST(CAST(${col} AS DOUBLE) AS CHAR)`;
        case 'text': return `HEX(CONVERT(${col} USING utf8mb4))`;
        case 'char': return `HEX(TRIM(TRAILING ' ' FROM CONVERT(${col} USING utf8mb4)))`;
        case 'binary': return `HEX(${col})`;
        default: return `CAST(${col} AS CHAR)`;
      }
    }
    case 'sqlite':
      switch (k) {
        case 'bool': return `CASE WHEN ${col} = 1 THEN 'true' WHEN ${col} = 0 THEN 'false' END`;
        // SQLite prints at most 16 exact digits; its shell's ieee754() gives the double's exact parts.
        case 'float': return `CASE WHEN typeof(${col}) = 'text' THEN ${col} ELSE ieee754(${col}) END`;
        case 'text': return `hex(${col})`;
        case 'char': return `hex(rtrim(${col}, ' '))`;
        case 'binary': return `hex(${col})`;
        default: return `CAST(${col} AS TEXT)`;
      }
    case 'duckdb':
    case 'parquet':
      if (text) return `CAST(${col} AS VARCHAR)`;
      switch (k) {
        case 'bool': return `CASE WHEN ${col} THEN 'true' WHEN NOT ${col} THEN 'false' END`;
        case 'float': return `CAST(CAST(${col} AS DOUBLE) AS VARCHAR)`;
        case 'text': return `hex(${col})`;
        case 'char': return `hex(rtrim(${col}, ' '))`;
        case 'binary': return `hex(${col})`;
        case 'interval': return `CAST(datepart('year', ${col}) * 12 + datepart('month', ${col}) AS VARCHAR) || ',' || CAST(datepart('day', ${col}) AS VARCHAR) || ',' || CAST((datepart('hour', ${col}) * 3600 + datepart('minute', ${col}) * 60) * 1000000 + datepart('microseconds', ${col}) AS VARCHAR)`;
        case 'json': return `CAST(to_json(${col}) AS VARCHAR)`;
        default: return `CAST(${col} AS VARCHAR)`;
      }
  }
}

const ISO_INTERVAL = /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d+))?S)?)?$/;

/** `1.0e-06` (SQLite's text of a REAL in a NUMERIC column) → `0.000001`: the same number, positionally. */
function positional(v: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]?\d+)$/i.exec(v);
  if (!m) return v;
  const digits = m[2]! + (m[3] ?? '');
  const point = m[2]!.length + Number(m[4]);
  const body = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return m[1] + body.replace(/^0+(?=\d)/, '');
}

/** DuckDB's `0044-03-15 (BC) 10:00:00` → PostgreSQL's `0044-03-15 10:00:00 BC`. */
const bc = (v: string) => v.replace(/^(\S+) \(BC\)(.*)$/, '$1$2 BC');

/** One spelling per class: what "the same value" means across engines, by the documented mappings. */
function normalise(k: ValueClass, v: string | null): unknown {
  if (v === null) return null;
  switch (k) {
    case 'decimal':
    case 'money': {
      const plain = positional(v);
      return plain.includes('.') ? plain.replace(/0+$/, '').replace(/\.$/, '') : plain;
    }
    case 'float': {
      // NaN, the infinities and negative zero in each engine's spelling (SQLite keeps NaN and -0 as the texts 'NaN' and '-0 (negative zero)').
      if (/^nan$/i.test(v)) return 'NaN';
      if (v === '-0 (negative zero)') return -0;
      if (/^-?(inf|infinity)$/i.test(v)) return v.startsWith('-') ? -Infinity : Infinity;
      const parts = /^ieee754\((-?\d+),(-?\d+)\)$/.exec(v);
      const x = parts ? Number(parts[1]) * 2 ** Number(parts[2]) : Number(v);
      return x;
    }
    case 'text': case 'char': case 'binary': case 'uuid': return v.toLowerCase();
    case 'date': return bc(v);
    case 'timestamp': case 'timestamptz': case 'time': {
      if (/infinity$/.test(v)) return v;
      const t = bc(v).replace('T', ' ').replace(/(\+00(:00)?|Z)$/, '');
      const era = t.endsWith(' BC') ? ' BC' : '';
      const [whole = '', fraction = ''] = t.replace(/ BC$/, '').split('.');
      return `${whole}.${fraction.padEnd(6, '0')}${era}`;
    }
    case 'interval': {
      const m = ISO_INTERVAL.exec(v);
      if (!m) return v; // already months,days,micros
      const n = (i: number) => BigInt(m[i] ?? 0);
      const seconds = BigInt(m[7] ?? 0) * 1_000_000n + BigInt((m[8] ?? '').padEnd(6, '0') || 0);
      return `${n(1) * 12n + n(2)},${n(3)},${(n(4) * 3600n + n(5) * 60n) * 1_000_000n + (m[6] === '-' ? -seconds : seconds)}`;
    }
    case 'json': return JSON.parse(v);
    default: return v;
  }
}

export interface ReadBack {
  storage: Storage;
  /** psql URL, MariaDB database, SQLite file, DuckDB file, or a Parquet glob. */
  at: string;
  /** The table, qualified as the engine needs (ignored for Parquet). */
  table: string;
}

/** The rows ordered by `id`, each value normalised by its class. */
export async function readBack(where: ReadBack, columns: Record<string, ValueClass>): Promise<unknown[][]> {
  const names = Object.keys(columns);
  // Functions such as SQLite's hex() turn NULL into '': NULL stays NULL whatever the expression.
  // (In PostgreSQL a composite whose fields are all NULL `IS NULL` too, though it is a value, `(,)`.)
  const isNull = (col: string) => (where.storage === 'postgres' ? `num_nulls(${col}) = 1` : `${col} IS NULL`);
  const select = (quote: (n: string) => string) => names.map((n) => `CASE WHEN ${isNull(quote(n))} THEN NULL ELSE ${expr(where.storage, columns[n]!, quote(n))} END`).join(', ');
  let rows: (string | null)[][];
  switch (where.storage) {
    case 'postgres': {
      // Fields and records both end in NUL (no text holds one); NULL prints as NULL (text comes as hex).
      const out = execFileSync('psql', [where.at, '-qAtX', '--field-separator-zero', '--record-separator-zero', '-P', 'null=NULL', '-c', `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; SELECT ${select((n) => `"${n}"`)} FROM ${where.table} ORDER BY id`], { encoding: 'utf8' });
      rows = out.split('\0').filter((_, i, all) => i < all.length - 1).reduce<(string | null)[][]>((acc, v, i) => {
        if (i % names.length === 0) acc.push([]);
        acc.at(-1)!.push(v === 'NULL' ? null : v);
        return acc;
      }, []);
      break;
    }
    case 'mariadb': {
      const out = execFileSync('mariadb', ['--protocol=tcp', '-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.user, ...(MARIADB.password ? [`-p${MARIADB.password}`] : []), '-N', '-B', where.at, '-e', `SET time_zone = '+00:00'; SELECT ${select((n) => `\`${n}\``)} FROM ${where.table} ORDER BY id`], { encoding: 'utf8' });
      rows = out.trimEnd().split('\n').map((line) => line.split('\t').map((v) => (v === 'NULL' ? null : v)));
      break;
    }
    case 'sqlite': {
      const out = execFileSync('sqlite3', ['-json', where.at, `SELECT ${select((n) => `"${n}"`)} FROM ${where.table} ORDER BY id`], { encoding: 'utf8' });
      rows = (JSON.parse(out) as Record<string, unknown>[]).map((r) => Object.values(r).map((v) => (v === null ? null : String(v))));
      break;
    }
    default: {
      const instance = await DuckDBInstance.create(where.storage === 'duckdb' ? where.at : ':memory:', where.storage === 'duckdb' ? { access_mode: 'READ_ONLY' } : {});
      const c = await instance.connect();
      try {
        await c.run(`SET TimeZone = 'UTC'`);
        const from = where.storage === 'duckdb' ? where.table : `read_parquet('${where.at}', hive_partitioning = false)`;
        rows = (await c.runAndReadAll(`SELECT ${select((n) => `"${n}"`)} FROM ${from} ORDER BY id`)).getRowsJS().map((r) => r.map((v) => (v === null ? null : String(v))));
      } finally {
        c.closeSync();
        instance.closeSync();
      }
    }
  }
  return rows.map((r) => r.map((v, i) => normalise(columns[names[i]!]!, v)));
}
