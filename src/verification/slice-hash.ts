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
  /** Its key column (the one keyGroups groups by) is indexed, so rows of a few keys are looked up, not read with the whole slice (Dialect.lookup). */
  lookups: boolean;
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
export function hashedSlice(probe: SliceProbe, scheme: string, columns: HashColumn[], lookups = false): HashedSlice {
  probe.define?.(FUNCTIONS);
  return { probe, scheme, columns, lookups };
}

const dialectOf = (side: HashedSlice): Dialect => DIALECTS[side.probe.dialect];

/** The scheme two ends hash by: the first of the source's preferred schemes the destination computes too. */
export function commonScheme(source: SliceProbe, destination: SliceProbe): string {
  const theirs = DIALECTS[destination.dialect].schemes;
  const scheme = DIALECTS[source.dialect].schemes.find((s) => theirs.includes(s));
  if (!scheme) throw new Error(`no fingerprint scheme both ${source.dialect} and ${destination.dialect} compute`);
  return scheme;
}

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
 * Key groups as an engine printed them (perKeyGroup): the group number (NULL_KEYS: rows without a
 * key) → the rest of its text. A chunk's first step holds tens of thousands at each end, for as
 * long as the comparison runs: kept as the engine's texts, a string each, and parsed where looked at.
 */
export class GroupTexts<T> {
  constructor(
    private readonly texts: Map<string, string>,
    private readonly parse: (group: string, rest: string) => T,
  ) {}

  get(group: string): T | undefined {
    const rest = this.texts.get(group);
    return rest === undefined ? undefined : this.parse(group, rest);
  }

  has(group: string): boolean {
    return this.texts.has(group);
  }

  keys(): IterableIterator<string> {
    return this.texts.keys();
  }

  *values(): Generator<T> {
    for (const [group, rest] of this.texts) yield this.parse(group, rest);
  }
}

/**
 * The rows of `rows` (a FROM item) grouped by their integer key divided by `width`: per group,
 * `aggregates` (over the inner query's `k`, the key, and its `extra` columns) and the least and
 * greatest key, as `parse` reads them (a group per key, width 1, spans only its own). One text per
 * group, not several values: a key-by-key answer holds a row per key, and each value read is an
 * object. Rows without a key (a destination may hold some) are the group NULL_KEYS.
 */
async function perKeyGroup<T>(side: HashedSlice, key: string, width: bigint, rows: string, extra: string, aggregates: string[], parse: (values: string[], span: KeySpan) => T): Promise<GroupTexts<T>> {
  const d = dialectOf(side);
  const k = d.ident(key);
  const orNull = (e: string) => `coalesce(${d.text(e)}, '${NULL_KEYS}')`;
  const spans = width === 1n ? 0 : 2;
  const sql = `SELECT concat_ws(':', ${[orNull('g'), ...aggregates, ...(spans ? [orNull('min(k)'), orNull('max(k)')] : [])].join(', ')}) FROM (SELECT ${width === 1n ? k : d.quotient(k, width)} AS g, ${k} AS k${extra} FROM ${rows}${d.fence}) t GROUP BY g`;
  const texts = new Map<string, string>();
  for (const [text] of await side.probe.query(sql)) {
    const t = String(text);
    const at = t.indexOf(':');
    texts.set(t.slice(0, at), t.slice(at + 1));
  }
  return new GroupTexts(texts, (group, rest) => {
    const values = rest.split(':');
    const [min = group, max = group] = values.splice(values.length - spans, spans);
    return parse(values, group === NULL_KEYS ? { min: 0n, max: 0n } : { min: BigInt(min), max: BigInt(max) });
  });
}

/**
 * The slice's rows grouped by their integer key `key` (this end's column name) divided by `width`
 * (1: a group per key), with their hashes' sums; when `within` is given, only the rows of those
 * groups of a coarser width: looked up through the key's index where this end has one
 * (Dialect.lookup), else read with the slice and kept by one IN list, which every engine looks up
 * by hash or search, not term by term.
 */
export async function keyGroups(side: HashedSlice, key: string, width: bigint, within?: { width: bigint; groups: bigint[] }): Promise<GroupTexts<KeyGroup>> {
  const d = dialectOf(side);
  const among = (w: { width: bigint; groups: bigint[] }) => {
    const intervals = side.lookups && d.lookup ? groupIntervals(w.width, w.groups) : [];
    return intervals.length && intervals.length <= MAX_LOOKUPS ? d.lookup!(side.probe.from, key, intervals) : `(SELECT * FROM ${side.probe.from}) s WHERE ${d.quotient(d.ident(key), w.width)} IN (${w.groups.join(', ')})`;
  };
  const rows = within ? among(within) : side.probe.from;
  return perKeyGroup(side, key, width, rows, `, ${d.rowHash(side.columns, side.scheme)} AS h`, [sums(d)], ([n, high, low], span) => ({ ...bucketOf(n, high, low), ...span }));
}

/** Intervals looked up one by one at most: beyond, one read of the slice costs less (and MariaDB's range optimizer gives up). */
const MAX_LOOKUPS = 4096;

/**
 * The keys of groups of `width` (the key divided by it, rounded toward zero: group 0 holds the keys
 * from -(width - 1) to width - 1) as inclusive intervals, sorted, neighbours merged.
 */
export function groupIntervals(width: bigint, groups: bigint[]): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  for (const g of [...groups].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0))) {
    const lo = g > 0n ? g * width : g * width - width + 1n;
    const hi = g < 0n ? g * width : g * width + width - 1n;
    const last = out.at(-1);
    if (last && lo <= last[1] + 1n) last[1] = hi;
    else out.push([lo, hi]);
  }
  return out;
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
export async function keyCounts(side: HashedSlice, key: string, width: bigint, changed?: string): Promise<GroupTexts<CountedGroup>> {
  const d = dialectOf(side);
  const flag = changed === undefined ? '' : `, CASE WHEN ${changed} THEN 1 ELSE 0 END AS c`;
  return perKeyGroup(side, key, width, side.probe.from, flag, [d.text('count(*)'), d.text(changed === undefined ? '0' : 'max(c)')], ([n, c], span) => ({ rows: BigInt(n!), changed: c === '1', ...span }));
}

/** keyGroups' group of the rows whose key is NULL, as the engines print it. */
export const NULL_KEYS = 'n';

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
