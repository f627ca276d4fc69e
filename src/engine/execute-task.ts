import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { endTask, type Holder, type TaskEnd } from '../jobs/ledger/tasks.js';
import type { TaskLine } from '../store/tasks.js';
import { mmsTaskStatus, PHASE_ACTIONS, type MmsTaskStatus } from '../jobs/task-status.js';
import { backoffMs, hint, isTransient, MAX_ATTEMPTS } from './failures.js';
import { runTask } from './run-task.js';
import { StopRequested, VerificationFailed, type TaskContext, type TaskOutcome } from './task-run.js';

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
  let failedIn: { status: MmsTaskStatus; action: string } = { status: 'DATA_FAILED', action: PHASE_ACTIONS.DATA };
  try {
    await runTask(ctx, taskId, holder, signal);
    end = { status: 'DONE' };
    outcome = { status: 'done' };
  } catch (err) {
    if (err instanceof StopRequested || signal.aborted) {
      end = { status: 'STOPPED' };
      outcome = { status: 'stopped' };
    } else {
      const { attempts: before, phase } = await untilStored(() => db.selectFrom('tasks').select(['attempts', 'phase']).where('id', '=', taskId).executeTakeFirstOrThrow());
      const attempts = before + 1;
      const retry = isTransient(err) && attempts < MAX_ATTEMPTS;
      end = { status: 'FAILED', attempts, message: hint(err), retryAt: retry ? Date.now() + backoffMs(attempts) : null };
      failedIn = { status: mmsTaskStatus('FAILED', phase), action: PHASE_ACTIONS[phase ?? 'DATA'] };
      outcome = { status: retry ? 'retry' : 'failed', kind: err instanceof VerificationFailed ? 'verification' : isTransient(err) ? 'transient' : 'permanent' };
    }
  }
  if (!(await untilStored(() => endTask(db, ctx.dialect, taskId, jobId, holder, end, endLine(end, failedIn))))) {
    log.warn({ taskId, jobId, holder }, 'task ended after another worker took it over: its end is not recorded');
    return;
  }
  await ctx.snapshots.taskEnded(jobId).catch(() => {}); // else at the next tick
  if (end.status === 'FAILED') log.warn({ taskId, jobId, err: end.message, retry: end.retryAt !== null }, 'task failed');
  ctx.metrics?.taskEnded(outcome, (Date.now() - started) / 1000);
}

/** The log line of a stop or a failure. MMS's shape for a failure: what the task was doing as its action, the error as its result (format.ts). */
function endLine(end: TaskEnd, failedIn: { status: MmsTaskStatus; action: string }): TaskLine | undefined {
  if (end.status === 'STOPPED') return { level: 'WARN', message: 'stopped: the partition in flight was rolled back', status: 'INIT' };
  if (end.status !== 'FAILED') return undefined;
  const data = { action: failedIn.action, error: end.message };
  return end.retryAt !== null
    ? { level: 'WARN', message: `attempt ${end.attempts} failed, retrying: ${end.message}`, data, status: failedIn.status }
    : { level: 'ERROR', message: end.message, data, status: failedIn.status };
}

/** How long a task's end is tried again while the store cannot be reached (see untilStored). */
const STORE_OUTAGE_MS = 5 * 60_000;

/**
 * A write of a task's end, tried again while the store cannot be reached (it restarts, its
 * connections were dropped): lost, it would leave the task DOING with nobody running it. Past
 * STORE_OUTAGE_MS it gives up (a server shutting down must not wait forever); the task is then
 * put back at the next start, as after a crash.
 */
async function untilStored<T>(write: () => Promise<T>): Promise<T> {
  const giveUp = Date.now() + STORE_OUTAGE_MS;
  for (let wait = 100; ; wait = Math.min(2 * wait, 5000)) {
    try {
      return await write();
    } catch (err) {
      if (!isTransient(err) || Date.now() > giveUp) throw err;
      await delay(wait);
    }
  }
}
