import type { TaskPhase, TaskStatus } from '../store/schema.js';

/**
 * A task's status as MMS shows it (reference §1.5): its lifecycle in the ledger (INIT, DOING, DONE,
 * FAILED) with the phase it is in or failed in, `SCHEMA_DOING`, `DATA_FAILED`, … A task goes from
 * one phase to the next at once: a phase's `_DONE` is the status of the log line that ends it, never
 * one a task rests in.
 */
export const MMS_TASK_STATUSES = [
  'INIT',
  'SCHEMA_DOING', 'SCHEMA_DONE', 'SCHEMA_FAILED',
  'DATA_DOING', 'DATA_DONE', 'DATA_FAILED',
  'VERIFICATION_DOING', 'VERIFICATION_DONE', 'VERIFICATION_FAILED',
  'DONE',
] as const;
export type MmsTaskStatus = (typeof MMS_TASK_STATUSES)[number];

/** What a task shows. One DOING or FAILED before phases were recorded shows DATA. */
export function mmsTaskStatus(status: TaskStatus, phase: TaskPhase | null): MmsTaskStatus {
  if (status === 'DOING' || status === 'FAILED') return `${phase ?? 'DATA'}_${status}`;
  return status;
}

/**
 * The tasks a ListMmsTasks `status` selects: the lifecycle, and the phase (undefined: any); null
 * for a phase's `_DONE`, which no task rests in. `DOING` and `FAILED` (OpenMMS's) match any phase.
 */
export function statusFilter(status: MmsTaskStatus | 'DOING' | 'FAILED'): { status: TaskStatus; phase?: TaskPhase } | null {
  const m = /^(SCHEMA|DATA|VERIFICATION)_(DOING|DONE|FAILED)$/.exec(status);
  if (!m) return { status: status as TaskStatus };
  return m[2] === 'DONE' ? null : { status: m[2] as TaskStatus, phase: m[1] as TaskPhase };
}

/** What a task does in each phase: the `action` of the log line that says it failed there. */
export const PHASE_ACTIONS: Record<TaskPhase, string> = {
  SCHEMA: 'create or alter the destination table',
  DATA: 'copy the rows',
  VERIFICATION: 'verify the copy against the source',
};
