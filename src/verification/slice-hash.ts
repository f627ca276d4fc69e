import { SLICE_COLUMN, type SliceProbe } from '../connectors/data.js';
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

/** A group's rows and its hashes' sum in two halves (read back by bucketOf). */
const sums = (d: Dialect) => `${d.text('count(*)')}, ${d.text(`sum(h >> ${LOW_BITS})`)}, ${d.text(`sum(h & ${(1 << LOW_BITS) - 1})`)}`;

const FULL_RANGE: [bigint, bigint] = [0n, (1n << BigInt(HASH_BITS)) - 1n];

/** The slice's rows with hashes in [lo, hi] (all of them when no range is given), grouped by `hash >> shift`. */
export async function buckets(side: HashedSlice, shift: number, [lo, hi] = FULL_RANGE): Promise<Map<bigint, Bucket>> {
  const d = dialectOf(side);
  const where = lo === FULL_RANGE[0] && hi === FULL_RANGE[1] ? '' : ` WHERE h >= ${lo} AND h <= ${hi}`;
  const sql =
    `SELECT ${d.text(`h >> ${shift}`)}, ${sums(d)} ` +
    `FROM (SELECT ${d.rowHash(side.columns, side.scheme)} AS h FROM ${side.probe.from}${d.fence}) t${where} GROUP BY h >> ${shift}`;
  const out = new Map<bigint, Bucket>();
  for (const [b, n, high, low] of await side.probe.query(sql)) out.set(BigInt(String(b)), bucketOf(n, high, low));
  return out;
}

const bucketOf = (n: unknown, high: unknown, low: unknown): Bucket => ({ rows: BigInt(String(n)), sum: (BigInt(String(high)) << BigInt(LOW_BITS)) + BigInt(String(low)) });
const fingerprintOf = (b: Bucket) => `${b.rows}:${b.sum.toString(16)}`;

/** The rows a fingerprint counted (its `rows:` part). */
export const fingerprintRows = (fingerprint: string) => Number(fingerprint.slice(0, fingerprint.indexOf(':')));

/** The slice's fingerprint: its row count and the sum of its row hashes (order does not matter). */
export async function fingerprint(side: HashedSlice): Promise<string> {
  return fingerprintOf((await buckets(side, HASH_BITS)).get(0n) ?? { rows: 0n, sum: 0n });
}

/**
 * A batch's fingerprints in one pass (its probe tags each row with its slice's key in
 * SLICE_COLUMN): key → the fingerprint `fingerprint` gives that slice alone. Slices without rows are absent.
 */
export async function fingerprintsByKey(side: HashedSlice): Promise<Map<string, { rows: number; fingerprint: string }>> {
  const d = dialectOf(side);
  const sql =
    `SELECT ${d.text('k')}, ${sums(d)} ` +
    `FROM (SELECT ${SLICE_COLUMN} AS k, ${d.rowHash(side.columns, side.scheme)} AS h FROM ${side.probe.from}${d.fence}) t GROUP BY k`;
  return new Map((await side.probe.query(sql)).map(([k, n, high, low]) => [String(k), { rows: Number(n), fingerprint: fingerprintOf(bucketOf(n, high, low)) }]));
}

/** A group of rows by key (keyGroups): as a Bucket, with its lowest and highest key. */
export interface KeyGroup extends Bucket {
  min: bigint;
  max: bigint;
}

/** A group's least and greatest key, as perKeyGroup reads them. */
interface KeySpan {
  min: bigint;
  max: bigint;
}

/**
 * The rows of `rows` (a FROM item) grouped by their integer key divided by `width`: per group,
 * `aggregates` (over the inner query's `k`, the key, and its `extra` columns) and the least and
 * greatest key (a group per key, width 1, spans only its own). One text per group, not several
 * values: a key-by-key answer holds a row per key, and each value read is an object. Rows without a
 * key (a destination may hold some) are the group NULL_KEYS.
 */
async function perKeyGroup(side: HashedSlice, key: string, width: bigint, rows: string, extra: string, aggregates: string[]): Promise<{ group: bigint | typeof NULL_KEYS; values: string[]; span: KeySpan }[]> {
  const d = dialectOf(side);
  const k = d.ident(key);
  const orNull = (e: string) => `coalesce(${d.text(e)}, 'n')`;
  const spans = width === 1n ? [] : [orNull('min(k)'), orNull('max(k)')];
  const sql = `SELECT concat_ws(':', ${[orNull('g'), ...aggregates, ...spans].join(', ')}) FROM (SELECT ${width === 1n ? k : d.quotient(k, width)} AS g, ${k} AS k${extra} FROM ${rows}${d.fence}) t GROUP BY g`;
  return (await side.probe.query(sql)).map(([text]) => {
    const [g, ...rest] = String(text).split(':') as [string, ...string[]];
    const values = rest.slice(0, rest.length - spans.length);
    const [min = g, max = g] = rest.slice(values.length);
    return g === 'n' ? { group: NULL_KEYS, values, span: { min: 0n, max: 0n } } : { group: BigInt(g), values, span: { min: BigInt(min), max: BigInt(max) } };
  });
}

/**
 * The slice's rows grouped by their integer key `key` (this end's column name) divided by `width`
 * (1: a group per key), with their hashes' sums; when `within` is given, only the rows of those
 * groups of a coarser width (one IN list, which every engine looks up by hash or search, not term
 * by term).
 */
export async function keyGroups(side: HashedSlice, key: string, width: bigint, within?: { width: bigint; groups: bigint[] }): Promise<Map<bigint | typeof NULL_KEYS, KeyGroup>> {
  const d = dialectOf(side);
  const rows = within ? `(SELECT * FROM ${side.probe.from}) s WHERE ${d.quotient(d.ident(key), within.width)} IN (${within.groups.join(', ')})` : side.probe.from;
  const groups = await perKeyGroup(side, key, width, rows, `, ${d.rowHash(side.columns, side.scheme)} AS h`, [sums(d)]);
  return new Map(groups.map(({ group, values: [n, high, low], span }) => [group, { ...bucketOf(n, high, low), ...span }]));
}

/** A group of rows by key as keyCounts sees it, without hashing: its rows and keys, and whether any may be new since a mark. */
export interface CountedGroup extends KeySpan {
  rows: bigint;
  changed: boolean;
}

/**
 * The slice's rows grouped by key as keyGroups groups them, counted but not hashed; `changed`, a
 * condition over the slice's rows (ChangeTracking.changedSince), flags the groups holding a row it
 * holds for.
 */
export async function keyCounts(side: HashedSlice, key: string, width: bigint, changed?: string): Promise<Map<bigint | typeof NULL_KEYS, CountedGroup>> {
  const d = dialectOf(side);
  const flag = changed === undefined ? '' : `, CASE WHEN ${changed} THEN 1 ELSE 0 END AS c`;
  const groups = await perKeyGroup(side, key, width, side.probe.from, flag, [d.text('count(*)'), d.text(changed === undefined ? '0' : 'max(c)')]);
  return new Map(groups.map(({ group, values: [n, c], span }) => [group, { rows: BigInt(n!), changed: c === '1', ...span }]));
}

/** keyGroups' group of the rows whose key is NULL. */
export const NULL_KEYS = 'NULL';

/** The fingerprint `fingerprint` gives the rows of these groups together. */
export const fingerprintOfGroups = (groups: Iterable<Bucket>): string => {
  const total = { rows: 0n, sum: 0n };
  for (const g of groups) {
    total.rows += g.rows;
    total.sum += g.sum;
  }
  return fingerprintOf(total);
};

/** A batch's row counts by slice key (see fingerprintsByKey); slices without rows are absent. */
export async function countsByKey(probe: SliceProbe): Promise<Map<string, number>> {
  const rows = await probe.query(`SELECT ${SLICE_COLUMN}, count(*) FROM ${probe.from} GROUP BY ${SLICE_COLUMN}`);
  return new Map(rows.map(([k, n]) => [String(k), Number(n)]));
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
