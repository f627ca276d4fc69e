import type { MigrationStatus } from './schema.js';

export interface Counts {
  n_init: number;
  n_doing: number;
  n_done: number;
  n_failed: number;
  n_part_done: number;
}

export const COUNTER: Record<MigrationStatus, keyof Counts> = {
  INIT: 'n_init',
  DOING: 'n_doing',
  DONE: 'n_done',
  FAILED: 'n_failed',
  PART_DONE: 'n_part_done',
};

/**
 * A parent's status from its children's, counted by status (partition → table, table → db):
 * any DOING → DOING; else any FAILED → FAILED; else any PART_DONE → PART_DONE; else all DONE → DONE;
 * else some DONE → PART_DONE; else INIT.
 */
export function rollUp(c: Counts): MigrationStatus {
  if (c.n_doing > 0) return 'DOING';
  if (c.n_failed > 0) return 'FAILED';
  if (c.n_part_done > 0) return 'PART_DONE';
  if (c.n_done > 0) return c.n_init > 0 ? 'PART_DONE' : 'DONE';
  return 'INIT';
}

/** A change of children per status, e.g. `{INIT: +3}` for three new partitions. */
export type StatusDelta = Partial<Record<MigrationStatus, number>>;
