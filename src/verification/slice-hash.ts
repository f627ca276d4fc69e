import type { SliceProbe } from '../connectors/data.js';
import type { Dialect, HashColumn } from './dialects/dialect.js';
import { duckdb, parquet } from './dialects/duckdb.js';
import { mysql } from './dialects/mysql.js';
import { postgres } from './dialects/postgres.js';
import { FUNCTIONS, sqlite } from './dialects/sqlite.js';

const DIALECTS: Record<SliceProbe['dialect'], Dialect> = { postgres, mysql, duckdb, parquet, sqlite };

/** Row hashes are below 2^60; sums are kept in two halves so SQLite's 64-bit sum never overflows. */
export const HASH_BITS = 60;
const LOW_BITS = 30;

/** The rows of one end of a slice, hashed by one scheme. */
export interface HashedSlice {
  probe: SliceProbe;
  columns: HashColumn[];
  scheme: string;
}

/** What a hash range holds: its rows and the sum of their hashes. */
export interface Bucket {
  rows: bigint;
  sum: bigint;
}

export interface HashedRow {
  hash: bigint;
  /** Canonical texts, for pairing a row with its changed counterpart at the other end. */
  canonical: (string | null)[];
  /** The values as the engine prints them, for the report. */
  shown: (string | null)[];
}

/** One end of a slice, ready to hash: an engine lacking SQL functions (SQLite) gets them here, once. */
export function hashedSlice(probe: SliceProbe, scheme: string, columns: HashColumn[]): HashedSlice {
  probe.define?.(FUNCTIONS);
  return { probe, scheme, columns };
}

const dialectOf = (side: HashedSlice): Dialect => DIALECTS[side.probe.dialect];

const asText = (v: unknown): string | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : String(v));

const FULL_RANGE: [bigint, bigint] = [0n, (1n << BigInt(HASH_BITS)) - 1n];

/** The slice's rows with hashes in [lo, hi] (all of them when no range is given), grouped by `hash >> shift`. */
export async function buckets(side: HashedSlice, shift: number, [lo, hi] = FULL_RANGE): Promise<Map<bigint, Bucket>> {
  const d = dialectOf(side);
  const where = lo === FULL_RANGE[0] && hi === FULL_RANGE[1] ? '' : ` WHERE h >= ${lo} AND h <= ${hi}`;
  const sql =
    `SELECT ${d.text(`h >> ${shift}`)}, ${d.text('count(*)')}, ${d.text(`sum(h >> ${LOW_BITS})`)}, ${d.text(`sum(h & ${(1 << LOW_BITS) - 1})`)} ` +
    `FROM (SELECT ${d.rowHash(side.columns, side.scheme)} AS h FROM ${side.probe.from}${d.fence}) t${where} GROUP BY h >> ${shift}`;
  const out = new Map<bigint, Bucket>();
  for (const [b, n, high, low] of await side.probe.query(sql)) {
    out.set(BigInt(String(b)), { rows: BigInt(String(n)), sum: (BigInt(String(high)) << BigInt(LOW_BITS)) + BigInt(String(low)) });
  }
  return out;
}

/** The slice's fingerprint: its row count and the sum of its row hashes (order does not matter). */
export async function fingerprint(side: HashedSlice): Promise<string> {
  const all = (await buckets(side, HASH_BITS)).get(0n) ?? { rows: 0n, sum: 0n };
  return `${all.rows}:${all.sum.toString(16)}`;
}

/** Up to `limit` rows with hashes in [lo, hi], lowest hash first. */
export async function rowsIn(side: HashedSlice, lo: bigint, hi: bigint, limit: number): Promise<HashedRow[]> {
  const d = dialectOf(side);
  const n = side.columns.length;
  const exprs = [...side.columns.map((c, i) => `${d.canonical(c)} AS c${i}`), ...side.columns.map((c, i) => `${d.shown(c)} AS s${i}`)];
  const sql = `SELECT ${d.text('h')}, ${side.columns.map((_, i) => `c${i}`).join(', ')}, ${side.columns.map((_, i) => `s${i}`).join(', ')} `
    + `FROM (SELECT ${d.rowHash(side.columns, side.scheme)} AS h, ${exprs.join(', ')} FROM ${side.probe.from}${d.fence}) t WHERE h >= ${lo} AND h <= ${hi} ORDER BY h LIMIT ${limit}`;
  return (await side.probe.query(sql)).map((r) => ({
    hash: BigInt(String(r[0])),
    canonical: r.slice(1, 1 + n).map(asText),
    shown: r.slice(1 + n).map(asText),
  }));
}
