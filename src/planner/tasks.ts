import type { MigrationStatus, SliceMode } from '../store/schema.js';
import type { TableKey } from '../store/catalog.js';
import type { PartitionFilter } from './filter/compile.js';
import type { Cut, Cuts } from '../connectors/data.js';

export interface PlanPartition {
  id: number;
  value: string;
  spec: [string, string][];
  location: string;
  size: number;
  status: MigrationStatus;
  updated: boolean;
  /** What the run does with it (default copy): see SliceMode. */
  mode?: SliceMode;
  /** Its rows, and the table's integer key with its bounds in the partition: a big partition is cut into chunks by it. */
  rows?: number;
  key?: TableKey | null;
}

export interface PlanTable {
  tableId: number;
  src: string;
  dst: string;
  partitioned: boolean;
  status: MigrationStatus;
  updated: boolean;
  size: number;
  rows: number;
  /** Live partitions of a partitioned table. */
  partitions: PlanPartition[];
  /** Partitions gone from the source that may still be at the destination (copied, or being copied). */
  dropped: PlanPartition[];
  /** The integer key an unpartitioned table can be cut into chunks (and an increment compared) by. */
  chunkKey: TableKey | null;
  /** Otherwise, where the source can cut it (its own order; the destination tags each chunk). */
  cuts: Cuts | null;
}

export interface PlanOptions {
  /** Only what is new, not yet DONE, or changed at the source since its copy. */
  increment: boolean;
  /** Partition filters by source table. */
  filters: Map<string, PartitionFilter>;
  /** Partitions type jobs: only these. */
  partitionIds: Set<number> | null;
  maxPartitionsPerTask: number;
  maxBytesPerTask: number;
  /** A chunk of a big unpartitioned table: at most this many catalog bytes and rows; null where the destination takes no chunks. */
  chunk: { bytes: number; rows: number } | null;
  /**
   * Tables without an integer key are cut at their cut points (PlanTable.cuts). Not in a
   * verify-only job: the destination knows such chunks by the tags a copy gave them, which another
   * chunk size would not match, so it compares the table whole.
   */
  cuts: boolean;
  /** Partitions gone from the source stay at the destination (`others: {"increment.keepDeleted": true}`). */
  keepDeleted: boolean;
}

/** A chunk's key range: `lo <= key < hi`, null an open end (the first and last chunks take rows written beyond the scanned bounds). */
export interface PlannedRange {
  column: string;
  lo: bigint | null;
  hi: bigint | null;
}

export interface PlannedTask {
  tableId: number;
  src: string;
  dst: string;
  /** null: the whole (unpartitioned) table, or a chunk of it (`range` or `cut`); one partition with a `range`: a chunk of it. */
  partitions: PlanPartition[] | null;
  range?: PlannedRange;
  cut?: Cut;
  size: number;
  /** What the run does with a whole table or chunk (copy, or compare first): see SliceMode. */
  mode?: SliceMode;
}

export const DEFAULT_MAX_PARTITIONS = 50;
/**
 * Into a single-writer file (one task writes it at a time, whatever the workers): each task opens,
 * checkpoints and closes the file, about 0.2 s, and none runs beside another, so fewer, larger
 * tasks lose no parallelism. A stop still takes effect between batches, which are recorded as they
 * end, so a larger task loses no progress either.
 */
export const DEFAULT_MAX_PARTITIONS_ONE_WRITER = 500;
export const DEFAULT_MAX_BYTES = 5 * 1024 ** 3;
/** A chunk: small enough to redo, verify and spread over workers cheaply; large enough that its overhead does not count. */
export const DEFAULT_CHUNK_BYTES = 128 * 1024 ** 2;
export const DEFAULT_CHUNK_ROWS = 2_000_000;
/** Chunks per table at most (each is a task). */
export const MAX_CHUNKS = 1024;

/** Chunks of a table or partition of this size: as many as the larger of the two limits asks for, at most MAX_CHUNKS. */
const chunkCount = (size: number, rows: number, chunk: { bytes: number; rows: number }) => Math.min(MAX_CHUNKS, Math.max(Math.ceil(size / chunk.bytes), Math.ceil(rows / chunk.rows), 1));

/**
 * Cuts a table's key range [min, max] into `n` ranges of equal width (fewer when there are fewer
 * keys), the first and last open-ended, so rows written beyond the scanned bounds still fall in one.
 * Keys spread unevenly (gaps, skew) give uneven chunks, never a missed row.
 */
export function keyRanges(column: string, min: bigint, max: bigint, n: number): PlannedRange[] {
  const span = max - min + 1n;
  const count = BigInt(n) > span ? span : BigInt(n);
  const width = (span + count - 1n) / count;
  const bounds = Array.from({ length: Number(count) - 1 }, (_, i) => min + width * BigInt(i + 1));
  return [null, ...bounds].map((lo, i) => ({ column, lo, hi: bounds[i] ?? null }));
}

/**
 * Cuts a table into `n` chunks at `n - 1` of its cut points, spread evenly over them (fewer when it
 * has fewer), the first and last open-ended.
 */
export function cutRanges(cuts: Cuts, n: number): Cut[] {
  const segments = cuts.bounds.length + 1;
  const picked = n >= segments ? cuts.bounds : Array.from({ length: n - 1 }, (_, i) => cuts.bounds[Math.floor(((i + 1) * segments) / n) - 1]!);
  const bounds = picked.filter((b, i) => i === 0 || b !== picked[i - 1]);
  return [null, ...bounds].map((lo, i) => ({ by: cuts.by, column: cuts.column, lo, hi: bounds[i] ?? null }));
}

/**
 * What a run does with a table or partition: copy it; or, in an increment, compare it first when
 * it is DONE and the last scan saw no change. The scan's signal is not trusted to skip it: a source
 * changed since (or in a way the signal cannot see) is found by the fingerprints of both ends. A
 * table with a key (`keyed`, where the destination takes key ranges) is compared even when it
 * changed: only the keys whose rows differ are replaced (engine/compare-slice.ts).
 */
const modeOf = (increment: boolean, o: { status: MigrationStatus; updated: boolean }, keyed = false): SliceMode => (increment && o.status === 'DONE' && (!o.updated || keyed) ? 'compare' : 'copy');

/**
 * Splits a job into tasks (pure): one task per unpartitioned table, or per chunk of one larger than
 * a chunk whose destination takes chunks (keyRanges, or cutRanges without an integer key); a partitioned table's selected
 * partitions are packed largest first into tasks of at most `maxPartitionsPerTask` partitions and
 * `maxBytesPerTask` bytes, closing a task when the next partition does not fit; a partition larger
 * than the byte limit gets a task of its own.
 */
export function planTasks(tables: PlanTable[], o: PlanOptions): PlannedTask[] {
  const tasks: PlannedTask[] = [];
  for (const t of tables) {
    if (!t.partitioned) {
      const cuts = o.cuts ? t.cuts : null;
      const n = o.chunk && (t.chunkKey || cuts) ? chunkCount(t.size, t.rows, o.chunk) : 1;
      // Chunks are compared one by one, changed or not: only those that differ move.
      const mode = modeOf(o.increment, t, o.chunk !== null && (t.chunkKey !== null || n > 1));
      const whole = { tableId: t.tableId, src: t.src, dst: t.dst, partitions: null, mode };
      if (n === 1) tasks.push({ ...whole, size: t.size });
      else if (t.chunkKey) for (const range of keyRanges(t.chunkKey.column, t.chunkKey.min, t.chunkKey.max, n)) tasks.push({ ...whole, range, size: Math.ceil(t.size / n) });
      else {
        const ranges = cutRanges(cuts!, n);
        for (const cut of ranges) tasks.push({ ...whole, cut, size: Math.ceil(t.size / ranges.length) });
      }
      continue;
    }
    const filter = o.filters.get(t.src);
    const inScope = (p: PlanPartition) => (o.partitionIds ? o.partitionIds.has(p.id) : true) && (filter ? filter(p.spec) : true);
    const chosen = [
      ...t.partitions.filter(inScope).map((p) => ({ ...p, mode: modeOf(o.increment, p) })),
      // Gone from the source: deleted at the destination too, unless kept.
      ...(o.keepDeleted ? [] : t.dropped.filter(inScope).map((p) => ({ ...p, size: 0, mode: 'remove' as const }))),
    ];
    // A partition larger than a chunk, with an integer key: a task per chunk of it, as a big table's.
    const chunks = (p: PlanPartition) => (o.chunk && p.key && p.mode !== 'remove' ? chunkCount(p.size, p.rows ?? 0, o.chunk) : 1);
    for (const p of chosen.filter((p) => chunks(p) > 1)) {
      const n = chunks(p);
      for (const range of keyRanges(p.key!.column, p.key!.min, p.key!.max, n)) tasks.push({ tableId: t.tableId, src: t.src, dst: t.dst, partitions: [p], range, size: Math.ceil(p.size / n) });
    }
    const selected = chosen.filter((p) => chunks(p) === 1).sort((a, b) => b.size - a.size || a.id - b.id);
    let bin: PlanPartition[] = [];
    let binSize = 0;
    const close = () => {
      if (bin.length) tasks.push({ tableId: t.tableId, src: t.src, dst: t.dst, partitions: bin, size: binSize });
      bin = [];
      binSize = 0;
    };
    for (const p of selected) {
      if (bin.length >= o.maxPartitionsPerTask || (bin.length > 0 && binSize + p.size > o.maxBytesPerTask)) close();
      bin.push(p);
      binSize += p.size;
    }
    close();
  }
  return tasks;
}

/**
 * Task limits of a job: MMA's config keys in `others` (`task.partition.max.num`, `.max.size` in GB),
 * OpenMMS's for chunks (`task.chunk.size` in GB, `task.chunk.rows`), else the defaults (`oneWriter`:
 * the destination is a single-writer file).
 */
export function taskLimits(others: Record<string, unknown>, oneWriter = false): { maxPartitionsPerTask: number; maxBytesPerTask: number; chunk: { bytes: number; rows: number } } {
  const positive = (v: unknown, fallback: number) => (typeof v === 'number' && v > 0 ? v : typeof v === 'string' && Number(v) > 0 ? Number(v) : fallback);
  return {
    maxPartitionsPerTask: Math.floor(positive(others['task.partition.max.num'], oneWriter ? DEFAULT_MAX_PARTITIONS_ONE_WRITER : DEFAULT_MAX_PARTITIONS)),
    maxBytesPerTask: positive(others['task.partition.max.size'], DEFAULT_MAX_BYTES / 1024 ** 3) * 1024 ** 3,
    chunk: { bytes: positive(others['task.chunk.size'], DEFAULT_CHUNK_BYTES / 1024 ** 3) * 1024 ** 3, rows: Math.floor(positive(others['task.chunk.rows'], DEFAULT_CHUNK_ROWS)) },
  };
}
