import type { LogicalType } from './types/logical.js';

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

export interface DataColumn {
  name: string;
  type: LogicalType;
  /** The source engine's own type name, where known (lets same-engine fast paths check types). */
  native?: string;
}

/** One unit of copy: a partition of a table, or a whole table without partitions. */
export interface Slice {
  /** Canonical partition value (`p1=v1/p2=v2`), null for a whole table. */
  value: string | null;
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
  close(): Promise<void>;
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
 * A slice as a destination knows it: a source slice's name there (its partition value, or a lake
 * folder's key: engine/run-task.ts sliceNaming). Readers take the Slice object, writers this.
 */
export type SliceKey = string;

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
}

/** Lines in a chunk of COPY or CSV text: its rows, for progress (a CSV text holding a newline counts twice). */
export function linesIn(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

export interface DestinationWriter {
  /** Creates the table, or adds the columns it lacks (never drops or narrows one). */
  ensureTable(db: string, table: string, columns: DataColumn[], partitioned: boolean): Promise<void>;
  /**
   * Replaces a slice's rows with `rows`, atomically: readers see the old rows or the new ones,
   * never a mix, and a failure midway leaves the old rows. Returns the number of rows written.
   */
  replace(db: string, table: string, columns: DataColumn[], slice: SliceKey | null, rows: AsyncIterable<Row[]>): Promise<number>;
  /** Rows of a slice (or of the whole table) at the destination. */
  count(db: string, table: string, slice: SliceKey | null): Promise<number>;
  /** See SourceReader.probe: the destination slice's rows. */
  probe?(db: string, table: string, slice: SliceKey | null): SliceProbe;
  /** See SourceReader.probeBatch: the rows of these destination slices, SLICE_COLUMN holding each one's key. */
  probeBatch?(db: string, table: string, keys: SliceKey[]): SliceProbe;
  /** Whether `replaceFrom` can take this reader's rows of these columns (else the caller uses `replace`). */
  takesFrom?(reader: SourceReader, columns: DataColumn[]): boolean;
  /**
   * Fast path (only where `takesFrom`): replaces slices straight from a reader whose engine's bulk
   * output this engine reads itself (PostgreSQL's COPY text into PostgreSQL, its CSV into DuckDB),
   * no value decoded in JavaScript. Atomic over all the slices together (one transaction:
   * many small partitions cost one commit); `watch.signal` aborts it (rolled back), `watch.progress`
   * hears of the rows and bytes as they pass.
   */
  replaceFrom?(reader: SourceReader, from: { db: string; table: string }, slices: SlicePair[], db: string, table: string, columns: DataColumn[], dstColumns: DataColumn[], watch: CopyWatch): Promise<{ rows: number; bytes: number }>;
  close(): Promise<void>;
}

/** replaceFrom could not take these rows (a DuckDB CSV line past its reader's limit) and wrote nothing: the caller uses `replace`. */
export class NotTaken extends Error {}

export const READ_BATCH = 1000;
