import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { lockingRows } from '../store/sql.js';
import type { Database, JobStatus } from '../store/schema.js';
import { backoffMs, hint, isTransient, MAX_ATTEMPTS } from './failures.js';
import { runTask, StopRequested, taskLog, VerificationFailed, type TaskContext, type TaskOutcome } from './run-task.js';

export type EngineLog = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

/**
 * Runs a claimed task and records how it ended: DONE; back to INIT when stopped (its slice in
 * flight rolled back); INIT again after a transient failure (with backoff); FAILED otherwise.
 * Then the job's status follows. Shared by the embedded runner and the cluster workers.
 */
export async function executeTask(ctx: TaskContext, log: EngineLog, taskId: number, jobId: number, signal: AbortSignal): Promise<void> {
  const { db } = ctx;
  const now = () => Date.now();
  const started = now();
  const ended = (outcome: TaskOutcome) => ctx.metrics?.taskEnded(outcome, (now() - started) / 1000);
  try {
    await runTask(ctx, taskId, signal);
    await db.updateTable('tasks').set({ status: 'DONE', end_time: now(), update_time: now() }).where('id', '=', taskId).execute();
    ended({ status: 'done' });
  } catch (err) {
    if (err instanceof StopRequested || signal.aborted) {
      await db.updateTable('tasks').set({ status: 'INIT', update_time: now() }).where('id', '=', taskId).execute();
      await taskLog(db, taskId, 'WARN', 'stopped: the partition in flight was rolled back');
      ended({ status: 'stopped' });
    } else {
      const task = await db.selectFrom('tasks').select('attempts').where('id', '=', taskId).executeTakeFirstOrThrow();
      const attempts = task.attempts + 1;
      const retry = isTransient(err) && attempts < MAX_ATTEMPTS;
      const message = hint(err);
      await db
        .updateTable('tasks')
        .set({ status: retry ? 'INIT' : 'FAILED', attempts, err_msg: message, next_attempt_time: retry ? now() + backoffMs(attempts) : null, end_time: retry ? null : now(), update_time: now() })
        .where('id', '=', taskId)
        .execute();
      await taskLog(db, taskId, retry ? 'WARN' : 'ERROR', retry ? `attempt ${attempts} failed, retrying: ${message}` : message);
      log.warn({ taskId, jobId, err: message, retry }, 'task failed');
      ended({ status: retry ? 'retry' : 'failed', kind: err instanceof VerificationFailed ? 'verification' : isTransient(err) ? 'transient' : 'permanent' });
    }
  }
  await rollUpJob(db, jobId, ctx.dialect);
}

/**
 * A job's status and taskDone from the statuses of its current run's tasks. The job row is locked
 * first, so when workers finish tasks of one job at once, the last to roll up counts every task
 * the others finished (it cannot overwrite a newer count with an older one).
 */
export async function rollUpJob(db: Kysely<Database>, jobId: number, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const lock = tx.selectFrom('jobs').select('run').where('id', '=', jobId);
    const { run } = await lockingRows(dialect, lock).executeTakeFirstOrThrow();
    const counts = await tx.selectFrom('tasks').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('job_id', '=', jobId).where('run', '=', run).groupBy('status').execute();
    const n = (s: string) => Number(counts.find((c) => c.status === s)?.n ?? 0);
    const total = counts.reduce((a, c) => a + Number(c.n), 0);
    const status: JobStatus = n('DOING') > 0 ? 'DOING' : n('DONE') === total ? 'DONE' : n('INIT') > 0 ? (n('DONE') + n('FAILED') > 0 ? 'DOING' : 'INIT') : 'FAILED';
    await tx.updateTable('jobs').set({ status, task_done: n('DONE'), update_time: Date.now() }).where('id', '=', jobId).execute();
  });
}
