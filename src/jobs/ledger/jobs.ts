import type { Insertable, Kysely } from 'kysely';
import { lockingRows } from '../../store/sql.js';
import type { Database, JobStatus, JobTable } from '../../store/schema.js';
import type { PlannedTask } from '../../planner/tasks.js';
import type { JobState } from '../lifecycle.js';

/**
 * The ledger's job rows: creation, the lifecycle's transitions, the plan of a run, and the roll-up
 * of a run's tasks into the job. Every write to jobs, tasks and task_partitions is in this folder
 * (test/unit/ledger-boundary.test.ts keeps it so).
 */

type Store = 'sqlite' | 'postgres';

export async function insertJob(
  db: Kysely<Database>,
  job: Insertable<JobTable>,
  tables: { src: string; dst: string; dstDb?: string }[],
  /** More to write in the same transaction (the job's claims on its destination tables). */
  alongside: (tx: Kysely<Database>) => Promise<void> = async () => {},
): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const { id } = await tx.insertInto('jobs').values(job).returning('id').executeTakeFirstOrThrow();
    // Chunked: one job may cover thousands of tables, more than one statement's bind limit.
    for (let i = 0; i < tables.length; i += 500) {
      const chunk = tables.slice(i, i + 500).map((t) => ({ job_id: id, src_table_name: t.src, dst_table_name: t.dst, dst_db_name: t.dstDb === job.dst_db_name ? null : (t.dstDb ?? null) }));
      await tx.insertInto('job_tables').values(chunk).execute();
    }
    await alongside(tx);
    return id;
  });
}

/**
 * A lifecycle transition (jobs/lifecycle.ts), compare-and-set: false when the job is no longer in
 * the `from` state (a worker moved it meanwhile). `newRun` starts the job's next run (a DONE job
 * started again); `retryFailed` puts the current run's FAILED tasks back in the queue, in the same
 * transaction, so that no worker sees the job retried without its tasks.
 */
export async function setJobState(db: Kysely<Database>, id: number, from: JobState, to: JobState, now: number, opts: { newRun?: boolean; retryFailed?: boolean } = {}): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable('jobs')
      .set((eb) => ({ status: to.status, stopped: to.stopped ? 1 : 0, update_time: now, ...(opts.newRun && { run: eb('run', '+', 1), task_num: 0, task_done: 0 }) }))
      .where('id', '=', id)
      .where('status', '=', from.status)
      .where('stopped', '=', from.stopped ? 1 : 0)
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) return false;
    if (opts.retryFailed) {
      await tx
        .updateTable('tasks')
        .set((eb) => ({ status: 'INIT', phase: null, attempts: 0, retries: eb('retries', '+', 1), err_msg: null, next_attempt_time: null, update_time: now }))
        .where('job_id', '=', id)
        .where('run', '=', (eb) => eb.selectFrom('jobs').select('run').where('id', '=', id))
        .where('status', '=', 'FAILED')
        .execute();
    }
    return true;
  });
}

export async function deleteJob(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('jobs').where('id', '=', id).execute();
}

/** A deleted timer's jobs stay, no longer its. */
export async function detachTimer(db: Kysely<Database>, timerId: number): Promise<void> {
  await db.updateTable('jobs').set({ timer_id: null }).where('timer_id', '=', timerId).execute();
}

/**
 * Writes the tasks of a job's run, unless another process planned it first (the job row lock
 * makes one of them do it). A run with nothing to copy is DONE at once. Returns the tasks written.
 */
export async function writePlan(
  db: Kysely<Database>,
  dialect: Store,
  job: { id: number; run: number; source_id: number; src_db_name: string; dst_db_name: string },
  planned: PlannedTask[],
  /** A table the catalog maps to another destination database than the job's. */
  dstDbOf: Map<string, string | null>,
  now = Date.now(),
): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const current = tx.selectFrom('jobs').select(['run', 'status']).where('id', '=', job.id);
    const locked = await lockingRows(dialect, current).executeTakeFirst();
    if (!locked || locked.run !== job.run || locked.status !== 'INIT') return 0;
    const already = await tx.selectFrom('tasks').select('id').where('job_id', '=', job.id).where('run', '=', job.run).executeTakeFirst();
    if (already) return 0;
    for (const t of planned) {
      const { id } = await tx
        .insertInto('tasks')
        .values({
          job_id: job.id, run: job.run, source_id: job.source_id, table_id: t.tableId, src_db_name: job.src_db_name, src_table_name: t.src,
          dst_db_name: dstDbOf.get(t.src) ?? job.dst_db_name, dst_table_name: t.dst, status: 'INIT', partitions_total: t.partitions?.length ?? 1, size: t.size,
          err_msg: null, next_attempt_time: null, start_time: null, end_time: null, create_time: now, update_time: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const parts = t.partitions ?? [null];
      const range = { range_key: t.range?.column ?? null, range_lo: t.range?.lo?.toString() ?? null, range_hi: t.range?.hi?.toString() ?? null };
      for (let i = 0; i < parts.length; i += 500) {
        await tx
          .insertInto('task_partitions')
          .values(parts.slice(i, i + 500).map((p, k) => ({ task_id: id, seq: i + k, partition_id: p?.id ?? null, value: p?.value ?? null, location: p?.location ?? '', status: 'INIT' as const, ...range, cut: t.cut ? JSON.stringify(t.cut) : null, mode: (p ?? t).mode ?? 'copy' })))
          .execute();
      }
    }
    await tx
      .updateTable('jobs')
      .set({ task_num: planned.length, task_done: 0, status: planned.length ? 'INIT' : 'DONE', update_time: now })
      .where('id', '=', job.id)
      .execute();
    return planned.length;
  });
}

/**
 * A job's status and taskDone from the statuses of its current run's tasks. The job row is locked
 * first, so when workers finish tasks of one job at once, the last to roll up counts every task
 * the others finished (it cannot overwrite a newer count with an older one).
 */
export async function rollUpJob(db: Kysely<Database>, dialect: Store, jobId: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const lock = tx.selectFrom('jobs').select('run').where('id', '=', jobId);
    const job = await lockingRows(dialect, lock).executeTakeFirst();
    if (!job) return; // deleted meanwhile
    const counts = await tx.selectFrom('tasks').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('job_id', '=', jobId).where('run', '=', job.run).groupBy('status').execute();
    const n = (s: string) => Number(counts.find((c) => c.status === s)?.n ?? 0);
    const total = counts.reduce((a, c) => a + Number(c.n), 0);
    const status: JobStatus = n('DOING') > 0 ? 'DOING' : n('DONE') === total ? 'DONE' : n('INIT') > 0 ? (n('DONE') + n('FAILED') > 0 ? 'DOING' : 'INIT') : 'FAILED';
    await tx.updateTable('jobs').set({ status, task_done: n('DONE'), update_time: Date.now() }).where('id', '=', jobId).execute();
  });
}
