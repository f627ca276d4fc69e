import { createHash } from 'node:crypto';
import type { LogicalType } from './types/logical.js';
import type { Connection } from './engines.js';

/**
 * A value on its way from a reader to a writer, one form per logical type, chosen so nothing is lost:
 * boolean → boolean; int8–int32, float64 → number; float32 → number holding the float32 exactly;
 * int64 → bigint; binary → Buffer;
 * decimal, text, date (`2024-01-31`), time, timetz (`04:05:06.789+05:30`), timestamp (`2024-01-31
 * 10:00:00.5`, no trailing zeros), timestamptz (`…+00`, always UTC), json, uuid, interval (ISO 8601,
 * `P1Y2M3DT4H5M6.789S`) → string, all in PostgreSQL's own forms (dates before year 1 end in ` BC`);
 * array/map/struct → JSON text.
 */
export type Value = null | boolean | number | bigint | string | Buffer;
export type Row = Value[];

/**
 * A value that a read or a write has no exact equal for (an array's bounds, a year beyond the
 * destination's range): the task fails, never retried, naming the table, column and row.
 */
export class ValueRefused extends Error {
  override name = 'ValueRefused';
}

/**
 * `convert` applied to each value of a row (the `n`th of its slice, from 1); a value it refuses is
 * reported as `table 't', column 'c', row n (id=7): why`, the row named by its first column.
 */
export function convertRow<T>(table: string, columns: readonly { name: string }[], row: Row, n: number, convert: (v: Value, i: number) => T): T[] {
  return row.map((v, i) => {
    try {
      return convert(v, i);
    } catch (err) {
      if (!(err instanceof ValueRefused)) throw err;
      const first = row[0] === null ? 'NULL' : Buffer.isBuffer(row[0]) ? `x'${row[0].subarray(0, 16).toString('hex')}'` : String(row[0]).slice(0, 40);
      throw new ValueRefused(`table '${table}', column '${columns[i]!.name}', row ${n} (${columns[0]!.name}=${first}): ${err.message}`);
    }
  });
}

export interface DataColumn {
  name: string;
  type: LogicalType;
  /**
   * The engine's own type name, where known: a source column's (lets same-engine fast paths check
   * types); a destination column's in a copy between two of one engine, which keeps the source's
   * type where it can (the writer's ensureTable), then the type the destination table has.
   */
  native?: string;
}

/**
 * A chunk of a table: the rows whose integer key lies in [lo, hi) (null: unbounded), named by the
 * key's column at either end. A big table is copied, verified and resumed chunk by chunk. A chunk
 * of a big partition also carries, at the destination, the partition's tag (`tag`, its rows'
 * SLICE_COLUMN): the source reads it from the partition.
 */
export interface KeyRange {
  column: string;
  lo: bigint | null;
  hi: bigint | null;
  tag?: string;
  /**
   * Only the keys in these inclusive intervals, sorted (within [lo, hi)): the keys an increment found
   * differing in a chunk or table (engine/compare-slice.ts), replaced without the rest of it.
   */
  only?: [bigint, bigint][];
}

/**
 * How a table without an integer key is cut into chunks, in the source's own order: by its primary
 * key's first column (compared as the source compares it), by SQLite's rowid, by PostgreSQL's pages
 * (ctid ranges, a table without a primary key), or by a lake table's row groups (a bound: a file
 * name and a row of it, cuts.ts fileBound). Only the source can tell which rows such bounds hold
 * (a destination may order text otherwise), so the destination knows each chunk by a tag (cutTag,
 * in SLICE_COLUMN), as it knows a partition.
 */
export type CutKind = 'key' | 'rowid' | 'pages' | 'file';

/** A table's cut points as a scan found them: the bounds of about equal slices of its rows, ascending. */
export interface Cuts {
  by: CutKind;
  column: string;
  bounds: string[];
  /** The table's rows when they were found (a scan finds them again once it has doubled). */
  rows: number;
}

/** A chunk cut at the source: `lo <= column < hi` in the source's order, null an open end. */
export interface Cut {
  by: CutKind;
  column: string;
  lo: string | null;
  hi: string | null;
}

/** The destination's name of a cut chunk: stable while its bounds are (a scan keeps a table's cut points). */
export const cutTag = (c: Cut): string => `chunk:${createHash('sha256').update(JSON.stringify([c.by, c.column, c.lo, c.hi])).digest('hex').slice(0, 24)}`;

/** Whether a destination tag names a cut chunk (a partition's, `col=value`, never does). */
export const isCutTag = (tag: string): boolean => tag.startsWith('chunk:');

/** A cut chunk as text (logs). */
export const cutText = (c: Cut): string => `${c.by === 'file' ? '[file, row]' : c.by === 'pages' ? 'pages' : c.column} in [${c.lo === null ? '-inf' : c.by === 'file' ? c.lo : `'${c.lo}'`}, ${c.hi === null ? 'inf' : c.by === 'file' ? c.hi : `'${c.hi}'`})`;

/**
 * The rows of a cut chunk in a SQL source's quoting: a rowid's bounds are integers, pages' the
 * first tuple of a page (PostgreSQL reads a ctid range by a TID range scan), a key's literals the
 * engine takes in the column's type.
 */
function cutCondition(c: Cut, quote: (name: string) => string, literal: (text: string) => string): string {
  const col = c.by === 'rowid' ? 'rowid' : c.by === 'pages' ? 'ctid' : quote(c.column);
  const bound = (b: string) => (c.by === 'rowid' ? BigInt(b).toString() : c.by === 'pages' ? `'(${BigInt(b)},0)'::tid` : literal(b));
  // The first chunk also holds rows whose column is NULL (none, while it leads the primary key).
  const below = c.hi === null ? null : c.lo === null && c.by === 'key' ? `(${col} < ${bound(c.hi)} OR ${col} IS NULL)` : `${col} < ${bound(c.hi)}`;
  const bounds = [c.lo === null ? null : `${col} >= ${bound(c.lo)}`, below].filter((b) => b !== null);
  return bounds.length ? bounds.join(' AND ') : '1 = 1';
}

/** One unit of copy: a partition of a table, a whole table without partitions, or a chunk of either. */
export interface Slice {
  /** Canonical partition value (`p1=v1/p2=v2`), null for a whole table or a chunk of one. */
  value: string | null;
  /** A chunk's key range (of a whole table: value null; of a partition: its value and location). */
  range?: KeyRange;
  /** A chunk cut in the source's order (value null; at the destination, rows tagged cutTag). */
  cut?: Cut;
  /** Where the source keeps it (catalog `location`). */
  location: string;
  spec: [string, string][];
  /**
   * When set, the slice is the rows whose `column` holds `value`: how a SQL destination keeps a
   * source partition (SLICE_COLUMN), read back to verify it.
   */
  column?: string;
}

/** What a job lets a reader do with values that have no equal elsewhere (each one an explicit opt-in of the job's `others`). */
export interface ReadOptions {
  /** MariaDB zero dates (`0000-00-00`) read as NULL instead of failing the slice (`others: {"mysql.zeroDatesAsNull": true}`). */
  zeroDatesAsNull?: boolean;
}

export interface SourceReader {
  /** Streams a slice's rows in batches, the given columns in order, values as `Value`s. */
  read(db: string, table: string, columns: DataColumn[], slice: Slice | null, options?: ReadOptions): AsyncIterable<Row[]>;
  /** Rows of a slice, counted by the source engine itself (verification never trusts the writer's tally). */
  count(db: string, table: string, slice: Slice | null): Promise<number>;
  /** SQL access to the slice's rows, for verification to compute its fingerprint in the engine itself. */
  probe?(db: string, table: string, columns: DataColumn[], slice: Slice | null): SliceProbe;
  /** A batch of slices' rows in one FROM item, each row tagged in SLICE_COLUMN with its slice's key (grouped verification). */
  probeBatch?(db: string, table: string, columns: DataColumn[], slices: SlicePair[]): SliceProbe;
  /**
   * The statements that create, in a destination of the same engine, the source's own types among
   * these native type names (an enum, a composite), by name; others are left out.
   */
  typeDefinitions?(natives: string[]): Promise<Map<string, string>>;
  /**
   * A slice's rows as PostgreSQL's CSV (NULL unquoted and empty, an empty text `""`; booleans
   * `t`/`f`), each value in the text `read` gives it, for a destination engine's own CSV reader
   * (duckdb/csv-load.ts says which types it reads so). `counted` hears the engine's count of them
   * once they have all been read (CopyWatch.sourceRows).
   */
  csvText?(db: string, table: string, columns: DataColumn[], slice: Slice | null, counted?: (rows: number) => void): AsyncIterable<Buffer>;
  /** Where the engine can tell rows that may have changed since an earlier snapshot without reading their values. */
  changes?: ChangeTracking;
  close(): Promise<void>;
}

/**
 * A reader's snapshot as a later run can ask about: `identity` names what it covers (the server, its
 * history, the table and its column types), `position` where in that history the snapshot stood.
 */
export interface ChangeMark {
  identity: string;
  position: string;
}

/**
 * Rows changed since a snapshot, told apart by the engine's own bookkeeping (PostgreSQL: the
 * transaction that wrote each row version): a cheap first look an increment may trust to skip rows,
 * since a row this calls unchanged cannot have been written after the mark. Deletions leave no
 * row to mark: they show in counts.
 */
export interface ChangeTracking {
  /** This reader's snapshot, for a table whose columns are `columns`. */
  mark(db: string, table: string, columns: DataColumn[]): Promise<ChangeMark>;
  /**
   * A condition over the table's rows (valid in the FROM item `probe` gives), true for every row
   * that may have been written after `since`; null when `since` says nothing here (another server
   * or history, the table re-created, its column types changed).
   */
  changedSince(db: string, table: string, columns: DataColumn[], since: ChangeMark): Promise<string | null>;
}

/**
 * A consistent view of a source that several readers share: a job reads all its tables in one
 * (engine/snapshots.ts). Each reader alone always reads in one snapshot of its own: its rows,
 * counts and fingerprints agree.
 */
export interface SourceSnapshot {
  /** What a reader of another process joins it by (an exported snapshot's id); none where only this process can. */
  token?: string;
  /** A reader in the snapshot; throws SnapshotEnded once it cannot give more. */
  reader(): Promise<SourceReader>;
  /** Whether it can still give readers (its holding session is up). */
  alive(): Promise<boolean>;
  close(): Promise<void>;
}

/** A shared snapshot that can give no more readers (its holding session ended): the task is retried in a new one. */
export class SnapshotEnded extends Error {
  override name = 'SnapshotEnded';
  readonly code = 'SNAPSHOT_ENDED';
}

/** What an engine offers for snapshots shared by readers (connectors/index.ts). */
export interface SnapshotSupport {
  /** Opens one for up to `readers` readers at once; or says why the source gives none now (a privilege missing, writes it would wait for). */
  open(conn: Connection, readers: number): Promise<SourceSnapshot | { none: string }>;
  /** A reader in a snapshot another process opened, by its token; null when that snapshot has ended. */
  join?(conn: Connection, token: string): Promise<SourceReader | null>;
}

/** What ensureTable found: each column's type in the destination's own words, and what it could not keep as the source has it. */
export interface EnsuredTable {
  types: ReadonlyMap<string, string>;
  notes: string[];
}

/** What ensureTable may do to a destination table. */
export interface TableSchema {
  /** The column the table's chunks are replaced by (a key range each): it gets an index where the engine needs one. */
  key?: string;
  /** The table's tags name cut chunks (cutTag): a few thousand rows or more each, written together (an engine may index them otherwise than partitions' tags). */
  cutChunks?: boolean;
  /** false (a job's enableSchemaMigration false): create and alter nothing. */
  alter?: boolean;
  /** Types of the source's own to create where the destination lacks them (SourceReader.typeDefinitions), asked for only then. */
  types?: () => Promise<ReadonlyMap<string, string>>;
}

/**
 * A table a job may not create or alter must be there with every column the copy writes: throws
 * the reason it is not (missing, or lacking columns), naming them. `have`: its columns (none: no table).
 */
export function tableAsNeeded(target: string, have: ReadonlySet<string>, wanted: readonly string[]): void {
  const why = "the job may not create or alter destination tables (enableSchemaMigration is false)";
  if (have.size === 0) throw new Error(`the destination table ${target} does not exist, and ${why}`);
  const lacking = wanted.filter((n) => !have.has(n));
  if (lacking.length) throw new Error(`the destination table ${target} lacks the column${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')}, and ${why}`);
}

/**
 * Read-only SQL over one slice's rows, in the engine's own dialect: verification (verification/)
 * computes canonical texts, row hashes and their sums there, never from what a reader decoded.
 */
export interface SliceProbe {
  /** `parquet`: DuckDB over the lake's own files, where time offsets and intervals are text. */
  dialect: 'postgres' | 'mysql' | 'duckdb' | 'parquet' | 'sqlite';
  /** A FROM item whose rows are the slice's, its columns by name. */
  from: string;
  /** Runs a SELECT; rows as arrays. */
  query(sql: string): Promise<unknown[][]>;
  /** SQLite: makes JavaScript functions callable from its SQL (it lacks the ones verification needs). */
  define?(functions: Record<string, (...args: unknown[]) => unknown>): void;
}

/**
 * A slice as a destination knows it: a source partition's name there (its partition value, in
 * SLICE_COLUMN, or a lake folder's key: engine/run-task.ts sliceNaming), or a chunk's key range on
 * the destination's key column. Readers take the Slice object, writers this.
 */
export type SliceKey = string | KeyRange;

/**
 * The rows of a key range: `lo <= key < hi`, bounds left out where open (integers, written as they
 * are). The first range (no `lo`) also holds the rows without a key, which no source has but a
 * destination may: so every row of a chunked table is in some chunk, and one such row is replaced
 * or found by that chunk's verification.
 */
export function rangeCondition(r: KeyRange, quote: (name: string) => string): string {
  const c = quote(r.column);
  const below = r.hi === null ? null : r.lo === null ? `(${c} < ${r.hi} OR ${c} IS NULL)` : `${c} < ${r.hi}`;
  const bounds = [r.lo === null ? null : `${c} >= ${r.lo}`, below, r.only ? `(${keysCondition(c, r.only)})` : null].filter((b) => b !== null);
  return bounds.length ? bounds.join(' AND ') : `${c} = ${c} OR ${c} IS NULL`;
}

/** Intervals of fewer keys than this are named key by key. */
const LISTED = 64n;

/**
 * Keys in inclusive intervals: short ones key by key in one IN list (which engines look up by hash
 * or search), wider ones ORed as a balanced tree (SQLite refuses an expression more than 1,000
 * deep, which a flat OR chain of that many would be).
 */
function keysCondition(c: string, intervals: [bigint, bigint][]): string {
  const single = intervals.filter(([a, b]) => b - a < LISTED).flatMap(([a, b]) => Array.from({ length: Number(b - a) + 1 }, (_, i) => a + BigInt(i)));
  const wide = intervals.filter(([a, b]) => b - a >= LISTED).map(([a, b]) => `${c} >= ${a} AND ${c} <= ${b}`);
  const tree = (list: string[]): string => (list.length === 1 ? list[0]! : `(${tree(list.slice(0, list.length >> 1))}) OR (${tree(list.slice(list.length >> 1))})`);
  const parts = [...(single.length ? [`${c} IN (${single.join(', ')})`] : []), ...wide];
  return parts.length ? tree(parts) : '1 = 0';
}

/**
 * The condition a reader selects a slice's rows by, in an engine's quoting: a chunk's key range, or
 * a destination slice's rows by their tag (Slice.column); null for a whole table or a source
 * partition (read by its location).
 */
export function readCondition(slice: Slice | null, quote: (name: string) => string, literal: (text: string) => string): string | null {
  if (slice?.range) return rangeCondition(slice.range, quote);
  if (slice?.cut) return cutCondition(slice.cut, quote, literal);
  if (slice?.column) return `${quote(slice.column)} = ${literal(slice.value!)}`;
  return null;
}

/** The condition selecting a destination slice's rows, in an engine's quoting. */
export function sliceCondition(key: SliceKey, quote: (name: string) => string, literal: (text: string) => string): string {
  if (typeof key === 'string') return `${quote(SLICE_COLUMN)} = ${literal(key)}`;
  return key.tag === undefined ? `(${rangeCondition(key, quote)})` : `(${quote(SLICE_COLUMN)} = ${literal(key.tag)} AND (${rangeCondition(key, quote)}))`;
}

/** The condition selecting several destination slices' rows: partitions by their tags (one IN list), chunks by their ranges. */
export function slicesCondition(keys: SliceKey[], quote: (name: string) => string, literal: (text: string) => string): string {
  const tags = keys.filter((k) => typeof k === 'string');
  const ranges = keys.filter((k) => typeof k !== 'string');
  return [...(tags.length ? [`${quote(SLICE_COLUMN)} IN (${tags.map(literal).join(', ')})`] : []), ...ranges.map((r) => sliceCondition(r, quote, literal))].join(' OR ');
}

/** The rows of a tagged table tagged with none of `keep`, or with no tag. */
export function otherTagsCondition(keep: string[], quote: (name: string) => string, literal: (text: string) => string): string {
  const c = quote(SLICE_COLUMN);
  return keep.length ? `${c} IS NULL OR ${c} NOT IN (${keep.map(literal).join(', ')})` : '1 = 1';
}

/** The value a destination row of the slice carries in SLICE_COLUMN (none for a whole table or a chunk of one). */
export const tagOf = (key: SliceKey | null): string | null => (typeof key === 'string' ? key : (key?.tag ?? null));

/**
 * The name of the index OpenMMS gives a chunk key (one per table and column, within every engine's
 * name length), or (`lookups`) of the one it adds for increments' lookups (DestinationWriter.indexForLookups).
 */
export const keyIndexName = (db: string, table: string, column: string, lookups = false) =>
  `${lookups ? 'mms_lookup_' : 'mms_key_'}${createHash('sha256').update(JSON.stringify([db, table, column])).digest('hex').slice(0, 16)}`;

/** A slice key as text (locks, logs). */
export const keyText = (key: SliceKey | null): string =>
  key === null ? '' : typeof key === 'string' ? key : `${key.tag === undefined ? '' : `${key.tag}: `}${key.only ? `${key.only.length} key intervals of ` : ''}${key.column} in [${key.lo ?? '-inf'}, ${key.hi ?? 'inf'})`;

/** A slice at both ends: the source's (null: the whole table) and the destination's key for it (null: the whole table). */
export interface SlicePair {
  slice: Slice | null;
  key: SliceKey | null;
}

/** Name of the column that ties destination rows to their source partition (SQL destinations). */
export const SLICE_COLUMN = '_mms_partition';

/** What a copy's caller watches it with: a stop, and the progress it reports. */
export interface CopyWatch {
  signal: AbortSignal;
  progress(rows: number, bytes: number): void;
  /**
   * The source engine's own count of the rows its bulk output held (PostgreSQL's COPY command tag),
   * once it has all been read: the rows of the scan the copy read, in its snapshot, so a count-only
   * verification needs no second count at the source. Told for each slice read (replaceFrom of one
   * slice: a batch counts by slice at both ends instead).
   */
  sourceRows?(rows: number): void;
}

/** Lines in a chunk of COPY text: its rows (the text format escapes newlines in values), for progress. */
export function linesIn(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Runs inside a copy's transaction, after its rows are written and before they are committed, with
 * SQL over the rows written (the slice's, or a batch's tagged by slice key): verification before
 * commit. Throwing rolls the copy back, so rows that fail their check are never seen.
 */
export type BeforeCommit = (written: SliceProbe) => Promise<void>;

export interface DestinationWriter {
  /**
   * Creates the table, or adds the columns it lacks (never drops or narrows one); with `alter`
   * false only checks that it is there as the copy needs it (tableAsNeeded).
   */
  ensureTable(db: string, table: string, columns: DataColumn[], partitioned: boolean, schema?: TableSchema): Promise<EnsuredTable | void>;
  /**
   * Replaces a slice's rows with `rows`, atomically: readers see the old rows or the new ones,
   * never a mix, and a failure midway (or `beforeCommit` throwing) leaves the old rows. Returns the
   * number of rows written.
   */
  replace(db: string, table: string, columns: DataColumn[], slice: SliceKey | null, rows: AsyncIterable<Row[]>, beforeCommit?: BeforeCommit): Promise<number>;
  /**
   * Removes a slice (a partition gone from the source) atomically, where that is more than
   * replacing its rows with none (a lake's folder). Without it, `replace` with no rows.
   */
  removeSlice?(db: string, table: string, slice: SliceKey | null): Promise<void>;
  /**
   * Removes, from a table whose rows carry their slice's tag (SLICE_COLUMN), every row tagged with
   * none of `keep`, or with no tag: those of a cut the table's chunks no longer have.
   */
  removeOtherTags?(db: string, table: string, keep: string[]): Promise<void>;
  /**
   * Where slices are folders (a lake): what the table's folder holds outside every slice's place,
   * as paths below it (at most a hundred). `slices`: the folders of every partition the source has
   * or had; null for a table without partitions, whose files lie in its own folder.
   */
  outsideSlices?(db: string, table: string, slices: string[] | null): Promise<string[]>;
  /**
   * Makes the rows of a few keys of `column` quick to find, for increments, which look up the keys
   * that changed, replace them and check them: where the engine's key index finds only ranges of
   * pages (PostgreSQL's BRIN, cheap while chunks load), a B-tree in its place; else the key's index
   * where the table lacks one. Built once: 'built' when this call built it, 'present' when it was there.
   */
  indexForLookups?(db: string, table: string, column: string): Promise<'built' | 'present'>;
  /** Rows of a slice (or of the whole table) at the destination. */
  count(db: string, table: string, slice: SliceKey | null): Promise<number>;
  /** See SourceReader.probe: the destination slice's rows. */
  probe?(db: string, table: string, slice: SliceKey | null): SliceProbe;
  /**
   * See SourceReader.probeBatch: the rows of these destination slices, SLICE_COLUMN holding each
   * one's key; `columns` are the table's (where none of the slices was ever written, the rows are
   * none, of these columns).
   */
  probeBatch?(db: string, table: string, keys: SliceKey[], columns: DataColumn[]): SliceProbe;
  /** Whether `replaceFrom` can take this reader's rows of these columns, into these (else the caller uses `replace`). */
  takesFrom?(reader: SourceReader, columns: DataColumn[], dstColumns: DataColumn[]): boolean;
  /**
   * Fast path (only where `takesFrom`): replaces slices straight from a reader whose engine's bulk
   * output this engine reads itself (PostgreSQL's COPY text into PostgreSQL, its CSV into DuckDB),
   * no value decoded in JavaScript. Atomic over all the slices together (one transaction:
   * many small partitions cost one commit); `watch.signal` aborts it (rolled back), `watch.progress`
   * hears of the rows and bytes as they pass. `beforeCommit` gets the slice's rows, or, for several
   * slices, all their rows tagged with their keys in SLICE_COLUMN (as probeBatch).
   */
  replaceFrom?(
    reader: SourceReader, from: { db: string; table: string }, slices: SlicePair[], db: string, table: string, columns: DataColumn[], dstColumns: DataColumn[], watch: CopyWatch, beforeCommit?: BeforeCommit,
  ): Promise<{ rows: number; bytes: number }>;
  close(): Promise<void>;
}

/** replaceFrom could not take these rows (a DuckDB CSV line past its reader's limit) and wrote nothing: the caller uses `replace`. */
export class NotTaken extends Error {}

export const READ_BATCH = 1000;
