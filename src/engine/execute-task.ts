import type { FastifyBaseLogger } from 'fastify';
import { endTask, type Holder, type TaskEnd } from '../jobs/ledger/tasks.js';
import { backoffMs, hint, isTransient, MAX_ATTEMPTS } from './failures.js';
import { runTask } from './run-task.js';
import { StopRequested, taskLog, VerificationFailed, type TaskContext, type TaskOutcome } from './task-run.js';

export type EngineLog = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

/**
 * Runs a claimed task and has the ledger record how it ended: DONE; back in the queue when stopped
 * (its slice in flight rolled back) or after a transient failure (with backoff); FAILED otherwise.
 * Shared by the embedded runner (holder null) and the cluster workers (their lease owner).
 */
export async function executeTask(ctx: TaskContext, log: EngineLog, taskId: number, jobId: number, holder: Holder, signal: AbortSignal): Promise<void> {
  const { db } = ctx;
  const started = Date.now();
  let end: TaskEnd;
  let outcome: TaskOutcome;
  try {
    await runTask(ctx, taskId, signal);
    end = { status: 'DONE' };
    outcome = { status: 'done' };
  } catch (err) {
    if (err instanceof StopRequested || signal.aborted) {
      end = { status: 'STOPPED' };
      outcome = { status: 'stopped' };
    } else {
      const { attempts: before } = await db.selectFrom('tasks').select('attempts').where('id', '=', taskId).executeTakeFirstOrThrow();
      const attempts = before + 1;
      const retry = isTransient(err) && attempts < MAX_ATTEMPTS;
      end = { status: 'FAILED', attempts, message: hint(err), retryAt: retry ? Date.now() + backoffMs(attempts) : null };
      outcome = { status: retry ? 'retry' : 'failed', kind: err instanceof VerificationFailed ? 'verification' : isTransient(err) ? 'transient' : 'permanent' };
    }
  }
  if (!(await endTask(db, ctx.dialect, taskId, jobId, holder, end))) {
    log.warn({ taskId, jobId, holder }, 'task ended after another worker took it over: its end is not recorded');
    return;
  }
  if (end.status === 'STOPPED') await taskLog(db, taskId, 'WARN', 'stopped: the partition in flight was rolled back');
  if (end.status === 'FAILED') {
    const retry = end.retryAt !== null;
    await taskLog(db, taskId, retry ? 'WARN' : 'ERROR', retry ? `attempt ${end.attempts} failed, retrying: ${end.message}` : end.message);
    log.warn({ taskId, jobId, err: end.message, retry }, 'task failed');
  }
  ctx.metrics?.taskEnded(outcome, (Date.now() - started) / 1000);
}
