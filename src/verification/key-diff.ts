import { fingerprintOfGroups, keyCounts, keyGroups, NULL_KEYS, type GroupTexts, type HashedSlice, type KeyGroup } from './slice-hash.js';

/**
 * Which keys of a keyed slice differ between its two ends, found by the engines in two steps:
 * the rows grouped into ranges of keys (a few dozen keys each), then, within the ranges that
 * differ, key by key. Each step is one query per end; only groups travel. The first step compares
 * each group's count and hash sum at both ends; or, where the source can tell rows changed since
 * the run that made the destination exact (`changed`: ChangeTracking.changedSince), only counts,
 * with the groups holding a changed row taken as differing: no row is hashed there.
 */

/** Keys per group of the first step at least, and groups at most (a query's answer stays small). */
const MIN_WIDTH = 32n;
const MAX_GROUPS = 131_072n;
/** Intervals a condition names at most (SQL text stays well under every engine's limit); nearest ones merge beyond. */
const MAX_INTERVALS = 4096;

export interface KeyDifferences {
  sourceRows: number;
  destinationRows: number;
  /** The whole slice's fingerprints at each end (the groups' sums: what `fingerprint` gives); null where the first step only counted. */
  sourceFingerprint: string | null;
  destinationFingerprint: string | null;
  /** Where the first step counted (`changed` given): its key groups, and those that may have changed; `hashed` when that was so many that they were hashed after all. */
  counted: { groups: number; mayHaveChanged: number; hashed: boolean } | null;
  /**
   * Inclusive key intervals holding every row that differs: empty when the ends match; null when
   * the differing groups hold half the slice or more, where replacing the whole of it is cheaper.
   */
  intervals: [bigint, bigint][] | null;
  /** Keys only at the source, only at the destination, and at both with different rows. */
  added: number;
  removed: number;
  changed: number;
  /** The destination's rows in `intervals` as the second step counted them, where the intervals are its keys exactly (null otherwise). */
  destinationRowsReplaced: number | null;
}

/** A key group as the first step found it at one end. */
interface Seen {
  rows: bigint;
  min: bigint;
  max: bigint;
}

const least = (p: bigint, q: bigint) => (p < q ? p : q);
const greatest = (p: bigint, q: bigint) => (p > q ? p : q);
const same = (a?: KeyGroup, b?: KeyGroup) => (a?.rows ?? 0n) === (b?.rows ?? 0n) && (a?.sum ?? 0n) === (b?.sum ?? 0n);
const rowsOf = (m: GroupTexts<Seen>) => {
  let n = 0n;
  for (const g of m.values()) n += g.rows;
  return Number(n);
};
/** Every group either end has. */
const union = (a: GroupTexts<unknown>, b: GroupTexts<unknown>) => [...new Set([...a.keys(), ...b.keys()])];

/** The first step: every group at both ends, and which differ. */
async function firstStep(source: HashedSlice, destination: HashedSlice, sourceKey: string, destinationKey: string, width: bigint, changed?: string) {
  if (changed === undefined) {
    const [a, b] = await Promise.all([keyGroups(source, sourceKey, width), keyGroups(destination, destinationKey, width)]);
    const all = union(a, b);
    return { a, b, all, differing: all.filter((g) => !same(a.get(g), b.get(g))), sourceFingerprint: fingerprintOfGroups(a.values()), destinationFingerprint: fingerprintOfGroups(b.values()) };
  }
  const [a, b] = await Promise.all([keyCounts(source, sourceKey, width, changed), keyCounts(destination, destinationKey, width)]);
  const all = union(a, b);
  // Unchanged since the mark, a group holds the rows it held then, as the destination does: the same count and keys.
  const alike = (p?: Seen, q?: Seen) => p !== undefined && q !== undefined && p.rows === q.rows && p.min === q.min && p.max === q.max;
  return { a, b, all, differing: all.filter((g) => a.get(g)?.changed !== false || !alike(a.get(g), b.get(g))), sourceFingerprint: null, destinationFingerprint: null };
}

/**
 * Compares two ends of a slice by their integer keys (`sourceKey` and `destinationKey`, one column
 * named at each end) over `span` keys (the slice's range as the last scan saw it; keys beyond it
 * fall into groups of their own).
 */
export async function keyDifferences(source: HashedSlice, destination: HashedSlice, sourceKey: string, destinationKey: string, span: bigint, changed?: string): Promise<KeyDifferences> {
  const width = greatest(span / MAX_GROUPS + 1n, MIN_WIDTH);
  const { a, b, all, differing, sourceFingerprint, destinationFingerprint } = await firstStep(source, destination, sourceKey, destinationKey, width, changed);
  const counted = changed === undefined ? null : { groups: all.length, mayHaveChanged: differing.length, hashed: false };
  const found = { sourceRows: rowsOf(a), destinationRows: rowsOf(b), sourceFingerprint, destinationFingerprint, counted, added: 0, removed: 0, changed: 0, destinationRowsReplaced: null };
  if (differing.length === 0) return { ...found, intervals: [] };
  // Rows without a key are in no key interval: only replacing the whole slice removes them.
  if (differing.includes(NULL_KEYS)) return { ...found, intervals: null };
  const inDiffering = differing.reduce<bigint>((n, g) => n + greatest(a.get(g)?.rows ?? 0n, b.get(g)?.rows ?? 0n), 0n);
  if (2 * Number(inDiffering) >= Math.max(found.sourceRows, found.destinationRows)) {
    // Counted, half the rows only may have changed (a long transaction held the mark back): hashed groups tell which do.
    return counted === null ? { ...found, intervals: null } : { ...(await keyDifferences(source, destination, sourceKey, destinationKey, span)), counted: { ...counted, hashed: true } };
  }
  // The differing groups key by key, hashed (the same groups at both ends: each computes a key's group alike).
  const within = { width, groups: differing.map(BigInt) };
  const [x, y] = await Promise.all([keyGroups(source, sourceKey, 1n, within), keyGroups(destination, destinationKey, 1n, within)]);
  const keys = union(x, y).filter((k) => k !== NULL_KEYS && !same(x.get(k), y.get(k)));
  // Nothing key by key: counted, groups that only may have changed; hashed, hashes that collided in a group's sum (replaced whole).
  if (keys.length === 0) {
    if (changed !== undefined) return { ...found, intervals: [] };
    const spans = differing.map((g): [bigint, bigint] => {
      const [p, q] = [a.get(g) ?? b.get(g)!, b.get(g) ?? a.get(g)!];
      return [least(p.min, q.min), greatest(p.max, q.max)];
    });
    return { ...found, intervals: mergeIntervals(spans, MAX_INTERVALS) };
  }
  const added = keys.filter((k) => !y.has(k)).length;
  const removed = keys.filter((k) => !x.has(k)).length;
  const intervals = mergeIntervals(keys.map((k) => [BigInt(k), BigInt(k)]), MAX_INTERVALS);
  // Intervals that merged only keys that touch hold no other key: the rows they replace are those keys'.
  const spanned = intervals.reduce((n, [lo, hi]) => n + hi - lo + 1n, 0n);
  const replaced = spanned === BigInt(keys.length) ? Number(keys.reduce((n, k) => n + (y.get(k)?.rows ?? 0n), 0n)) : null;
  return { ...found, intervals, added, removed, changed: keys.length - added - removed, destinationRowsReplaced: replaced };
}

/**
 * Sorted, disjoint intervals covering `intervals` (inclusive), neighbours merged where they touch,
 * then across the smallest gaps until at most `max` remain.
 */
export function mergeIntervals(intervals: [bigint, bigint][], max: number): [bigint, bigint][] {
  const sorted = [...intervals].sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1n) last[1] = greatest(hi, last[1]);
    else out.push([lo, hi]);
  }
  if (out.length <= max) return out;
  // The (n - max) smallest gaps are closed; ties by position, so exactly that many close.
  const gaps = out.slice(1).map((iv, i) => ({ i, size: iv[0] - out[i]![1] }));
  const closing = new Set(gaps.sort((p, q) => (p.size < q.size ? -1 : p.size > q.size ? 1 : p.i - q.i)).slice(0, out.length - max).map((g) => g.i));
  const merged: [bigint, bigint][] = [out[0]!];
  out.slice(1).forEach((iv, i) => {
    if (closing.has(i)) merged.at(-1)![1] = iv[1];
    else merged.push(iv);
  });
  return merged;
}
