import { expressionBuilder, type Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { claimExclusively, withinLimits } from './limits.js';

/**
 * The one claim of both modes: the embedded runner asks for the next task, a cluster worker for
 * the task its queue message names; either way a task is taken when it is claimable, its job runs,
 * and its source's and destination's limits allow (single-writer files included), in one
 * transaction under the claim lock.
 */

type Store = 'sqlite' | 'postgres';

/** New, or a retry that is due, or held by a lease that lapsed (its worker is gone). */
function claimable(now: number) {
  const eb = expressionBuilder<Database, 'tasks'>();
  return eb.or([
    eb.and([eb('tasks.status', '=', 'INIT'), eb.or([eb('tasks.next_attempt_time', 'is', null), eb('tasks.next_attempt_time', '<=', now)])]),
    eb.and([eb('tasks.status', '=', 'DOING'), eb('tasks.lease_until', '<', now)]),
  ]);
}

/** The task belongs to its job's current run, and the job is queued or running, not stopped. */
function jobRuns() {
  const eb = expressionBuilder<Database, 'tasks'>();
  return eb.exists(
    eb.selectFrom('jobs as j').select('j.id').whereRef('j.id', '=', 'tasks.job_id').whereRef('j.run', '=', 'tasks.run').where('j.stopped', '=', 0).where('j.status', 'in', ['INIT', 'DOING']),
  );
}

/** Claimable tasks, earlier eta first (no eta: last), then older jobs, then task order. */
export function claimableTasks(db: Kysely<Database>, now: number, skip: number[] = []) {
  return db
    .selectFrom('tasks')
    .innerJoin('jobs as j', 'j.id', 'tasks.job_id')
    .select(['tasks.id', 'tasks.job_id', 'j.eta'])
    .where(claimable(now))
    .where(jobRuns())
    .where('tasks.id', 'not in', [0, ...skip])
    .orderBy((eb) => eb.fn.coalesce('j.eta', eb.val('9999-12-31')), 'asc')
    .orderBy('j.id')
    .orderBy('tasks.id');
}

export interface ClaimOptions {
  /** A cluster worker's lease: who holds the task, and for how long without renewal. */
  lease?: { owner: string; ms: number };
  /** Tasks running at most in the whole cluster (null: no cap). */
  maxRunning?: number | null;
  now?: number;
}

/** Takes a task (DOING, its job DOING); null when it is not claimable or over a limit now. */
export async function claimTask(db: Kysely<Database>, dialect: Store, taskId: number, { lease, maxRunning = null, now = Date.now() }: ClaimOptions = {}): Promise<{ jobId: number } | null> {
  const task = await db.selectFrom('tasks').select(['source_id', 'job_id']).where('id', '=', taskId).executeTakeFirst();
  if (!task) return null;
  const claimed = await claimExclusively(db, dialect, async (tx) => {
    if (!(await withinLimits(tx, task.source_id, taskId, now, maxRunning))) return false;
    const r = await tx
      .updateTable('tasks')
      .set({ status: 'DOING', phase: 'SCHEMA', lease_owner: lease?.owner ?? null, lease_until: lease ? now + lease.ms : null, start_time: now, err_msg: null, update_time: now })
      .where('id', '=', taskId)
      .where(claimable(now))
      .where(jobRuns())
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) return false;
    await tx.updateTable('jobs').set({ status: 'DOING' }).where('id', '=', task.job_id).where('status', '=', 'INIT').execute();
    return true;
  });
  return claimed ? { jobId: task.job_id } : null;
}

/** The embedded runner's claim: the first claimable task (not in `skip`) that its limits allow. */
export async function claimNext(db: Kysely<Database>, dialect: Store, skip: number[], now = Date.now()): Promise<{ taskId: number; jobId: number } | null> {
  const passed = [...skip];
  for (;;) {
    const next = await claimableTasks(db, now, passed).executeTakeFirst();
    if (!next) return null;
    const claimed = await claimTask(db, dialect, next.id, { now });
    if (claimed) return { taskId: next.id, jobId: claimed.jobId };
    passed.push(next.id); // its source or destination is at its limit (or another took it): try the next
  }
}
