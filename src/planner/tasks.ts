import type { MigrationStatus } from '../store/schema.js';
import type { PartitionFilter } from './filter/compile.js';

export interface PlanPartition {
  id: number;
  value: string;
  spec: [string, string][];
  location: string;
  size: number;
  status: MigrationStatus;
  updated: boolean;
}

export interface PlanTable {
  tableId: number;
  src: string;
  dst: string;
  partitioned: boolean;
  status: MigrationStatus;
  updated: boolean;
  size: number;
  /** Live partitions of a partitioned table. */
  partitions: PlanPartition[];
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
}

export interface PlannedTask {
  tableId: number;
  src: string;
  dst: string;
  /** null: the whole (unpartitioned) table. */
  partitions: PlanPartition[] | null;
  size: number;
}

export const DEFAULT_MAX_PARTITIONS = 50;
export const DEFAULT_MAX_BYTES = 5 * 1024 ** 3;

const wanted = (increment: boolean, o: { status: MigrationStatus; updated: boolean }) => !increment || o.status !== 'DONE' || o.updated;

/**
 * Splits a job into tasks (pure): one task per unpartitioned table; a partitioned table's selected
 * partitions are packed largest first into tasks of at most `maxPartitionsPerTask` partitions and
 * `maxBytesPerTask` bytes, closing a task when the next partition does not fit; a partition larger
 * than the byte limit gets a task of its own.
 */
export function planTasks(tables: PlanTable[], o: PlanOptions): PlannedTask[] {
  const tasks: PlannedTask[] = [];
  for (const t of tables) {
    if (!t.partitioned) {
      if (wanted(o.increment, t)) tasks.push({ tableId: t.tableId, src: t.src, dst: t.dst, partitions: null, size: t.size });
      continue;
    }
    const filter = o.filters.get(t.src);
    const selected = t.partitions
      .filter((p) => (o.partitionIds ? o.partitionIds.has(p.id) : true) && (filter ? filter(p.spec) : true) && wanted(o.increment, p))
      .sort((a, b) => b.size - a.size || a.id - b.id);
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

/** Task limits of a job: MMA's config keys in `others`, else the defaults. */
export function taskLimits(others: Record<string, unknown>): { maxPartitionsPerTask: number; maxBytesPerTask: number } {
  const positive = (v: unknown, fallback: number) => (typeof v === 'number' && v > 0 ? v : typeof v === 'string' && Number(v) > 0 ? Number(v) : fallback);
  return {
    maxPartitionsPerTask: Math.floor(positive(others['task.partition.max.num'], DEFAULT_MAX_PARTITIONS)),
    maxBytesPerTask: positive(others['task.partition.max.size'], DEFAULT_MAX_BYTES / 1024 ** 3) * 1024 ** 3,
  };
}
