import type { DataColumn, SliceProbe } from '../connectors/data.js';
import type { Engine } from '../connectors/engines.js';
import { printsStringList } from '../connectors/index.js';
import { compareMode } from './canonical.js';
import type { HashColumn } from './dialects/dialect.js';
import { keyDifferences, type KeyDifferences } from './key-diff.js';
import { buckets, commonScheme, fingerprint, fingerprintsByKey, HASH_BITS, hashedSlice, rowsIn, type Bucket, type HashedRow, type HashedSlice } from './slice-hash.js';

/** One end of a slice: its engine, its rows, and its columns (the destination's renamed, in the source's order). */
export interface SliceEnd {
  engine: Engine;
  probe: SliceProbe;
  columns: DataColumn[];
  /** Its key column is indexed for lookups (HashedSlice.lookups). */
  lookups?: boolean;
}

/** What the content comparison found, kept with the slice's verification. */
export interface ContentFingerprints {
  scheme: string;
  sourceFingerprint: string;
  destinationFingerprint: string;
  /** Columns whose values the two engines print by different rules: compared by presence (NULL or not) only. */
  presenceOnly?: string[];
}

/** Buckets per bisection step (2^8): a slice of a million rows narrows to a few in three steps. */
const FAN_OUT_BITS = 8;
/** Few enough rows to fetch from both ends and compare one by one. */
const FEW_ROWS = 32;
const REPORTED = 3;
/** Hash ranges examined at most (two queries each) before reporting what was found. */
const MAX_DESCENTS = 16;

const sameBucket = (a?: Bucket, b?: Bucket) => (a?.rows ?? 0n) === (b?.rows ?? 0n) && (a?.sum ?? 0n) === (b?.sum ?? 0n);

/**
 * Compares a slice's two ends as each engine computes them (verification/canonical.ts): a
 * fingerprint of each, and when they differ, the first differing rows found by bisecting the
 * row hashes' range, so no key is needed.
 */
export class SliceComparison {
  private readonly source: HashedSlice;
  private readonly destination: HashedSlice;
  readonly presenceOnly: string[];

  constructor(source: SliceEnd, destination: SliceEnd) {
    const modes = source.columns.map((c) => compareMode(c.type, source.engine, destination.engine, printsStringList(source.engine, c.native)));
    const scheme = commonScheme(source.probe, destination.probe);
    const sameType = source.columns.map((c, i) => c.native !== undefined && c.native === destination.columns[i]?.native);
    const hashed = (end: SliceEnd): HashedSlice =>
      hashedSlice(end.probe, scheme, end.columns.map((c, i): HashColumn => ({ name: c.name, type: c.type, native: c.native, compare: modes[i]!, sameType: sameType[i] })), end.lookups);
    this.source = hashed(source);
    this.destination = hashed(destination);
    this.presenceOnly = source.columns.filter((_, i) => modes[i] === 'presence').map((c) => c.name);
  }

  /** The source's fingerprint alone, for a caller that reads it before the destination is written (`fingerprints` takes it). */
  sourceFingerprint(): Promise<string> {
    return fingerprint(this.source);
  }

  async fingerprints(source: Promise<string> = this.sourceFingerprint()): Promise<ContentFingerprints> {
    const [s, d] = await Promise.all([source, fingerprint(this.destination)]);
    return this.content(s, d);
  }

  /** Two fingerprints as a verification keeps them. */
  content(sourceFingerprint: string, destinationFingerprint: string): ContentFingerprints {
    return { scheme: this.source.scheme, sourceFingerprint, destinationFingerprint, ...(this.presenceOnly.length ? { presenceOnly: this.presenceOnly } : {}) };
  }

  /** Which keys differ, for ends with an integer key (named at each end), counting first where `changed` tells new rows: verification/key-diff.ts. */
  keyDifferences(sourceKey: string, destinationKey: string, span: bigint, changed?: string): Promise<KeyDifferences> {
    return keyDifferences(this.source, this.destination, sourceKey, destinationKey, span, changed);
  }

  /** The source's side of `fingerprintsByKey` alone, for a caller that reads it before the destination is written. */
  sourceFingerprintsByKey(): Promise<Map<string, { rows: number; fingerprint: string }>> {
    return fingerprintsByKey(this.source);
  }

  /**
   * For ends over a batch of slices (probeBatch: rows tagged with their slice's key): each slice's
   * counts and fingerprints, both ends in one query each. A slice absent from the map has no rows at either end.
   */
  async fingerprintsByKey(source = this.sourceFingerprintsByKey()): Promise<Map<string, { sourceRows: number; destinationRows: number; fingerprints: ContentFingerprints }>> {
    const [s, d] = await Promise.all([source, fingerprintsByKey(this.destination)]);
    const none = { rows: 0, fingerprint: '0:0' }; // what `fingerprint` gives a slice without rows
    const out = new Map<string, { sourceRows: number; destinationRows: number; fingerprints: ContentFingerprints }>();
    for (const key of new Set([...s.keys(), ...d.keys()])) {
      const [a, b] = [s.get(key) ?? none, d.get(key) ?? none];
      out.set(key, { sourceRows: a.rows, destinationRows: b.rows, fingerprints: this.content(a.fingerprint, b.fingerprint) });
    }
    return out;
  }

  /**
   * The first few differing rows, described for a person (values as each engine prints them), or
   * null if none is found. Descends into the differing hash ranges, lowest first, until it holds
   * a few rows that only one end has: a changed row is one such row at each end, in two ranges.
   */
  async firstDifferences(): Promise<string | null> {
    const onlySource: HashedRow[] = [];
    const onlyDestination: HashedRow[] = [];
    let budget = MAX_DESCENTS;
    const enough = () => onlySource.length + onlyDestination.length >= 2 * REPORTED || budget <= 0;
    const visit = async (lo: bigint, hi: bigint, shift: number): Promise<void> => {
      budget--;
      const [a, b] = await Promise.all([buckets(this.source, shift, [lo, hi]), buckets(this.destination, shift, [lo, hi])]);
      const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      for (const k of keys.filter((key) => !sameBucket(a.get(key), b.get(key)))) {
        if (enough()) return;
        const from = k << BigInt(shift);
        const to = from + (1n << BigInt(shift)) - 1n;
        if (shift > 0 && ((a.get(k)?.rows ?? 0n) > FEW_ROWS || (b.get(k)?.rows ?? 0n) > FEW_ROWS)) {
          await visit(from, to, Math.max(0, shift - FAN_OUT_BITS));
          continue;
        }
        const [x, y] = await Promise.all([rowsIn(this.source, from, to, FEW_ROWS * 2), rowsIn(this.destination, from, to, FEW_ROWS * 2)]);
        onlySource.push(...unmatched(x, y));
        onlyDestination.push(...unmatched(y, x));
      }
    };
    await visit(0n, (1n << BigInt(HASH_BITS)) - 1n, HASH_BITS - FAN_OUT_BITS);
    return this.describe(onlySource, onlyDestination);
  }

  private describe(onlySource: HashedRow[], onlyDestination: HashedRow[]): string | null {
    const names = this.source.columns.map((c) => c.name);
    const changed: string[] = [];
    const unpaired: HashedRow[] = [];
    const left = [...onlyDestination];
    for (const row of onlySource) {
      // The destination row sharing the most values is the same row, changed.
      const best = left.map((r, i) => [i, r.canonical.filter((v, k) => v === row.canonical[k]).length] as const).sort((x, y) => y[1] - x[1])[0];
      if (!best || best[1] === 0) {
        unpaired.push(row);
        continue;
      }
      const [other] = left.splice(best[0], 1);
      const same = names.map((n, k) => [n, k] as const).filter(([, k]) => row.canonical[k] === other!.canonical[k]).slice(0, 2);
      const differ = names.map((n, k) => [n, k] as const).filter(([, k]) => row.canonical[k] !== other!.canonical[k]);
      const identity = `the row (${same.map(([n, k]) => `${n}=${shown(row.shown[k])}`).join(', ')})`;
      changed.push(
        differ.length
          ? `${identity} has ${differ.map(([n, k]) => `${n} ${shown(row.shown[k])} at the source but ${shown(other!.shown[k])} at the destination`).join(', ')}`
          : `${identity} differs in what the engines hash, though its values print alike`,
      );
    }
    const rows = (label: string, list: HashedRow[]) => (list.length ? [`${list.length === 1 ? 'a row' : 'rows'} only at the ${label}: ${list.slice(0, REPORTED).map((r) => `(${rowText(names, r)})`).join(', ')}`] : []);
    const lines = [...changed.slice(0, REPORTED), ...rows('source', unpaired), ...rows('destination', left)];
    return lines.length ? lines.join('; ') : null;
  }
}

/** Rows of `a` that `b` lacks (a multiset difference by hash). */
function unmatched(a: HashedRow[], b: HashedRow[]): HashedRow[] {
  const left = new Map<bigint, number>();
  for (const r of b) left.set(r.hash, (left.get(r.hash) ?? 0) + 1);
  return a.filter((r) => {
    const n = left.get(r.hash) ?? 0;
    if (n > 0) left.set(r.hash, n - 1);
    return n === 0;
  });
}

function shown(v: string | null | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
}

const rowText = (names: string[], row: HashedRow) => names.slice(0, 4).map((n, k) => `${n}=${shown(row.shown[k])}`).join(', ') + (names.length > 4 ? ', …' : '');
