import { conflict } from '../errors.js';
import type { JobStatus } from '../store/schema.js';

/**
 * The job state machine of StartMmsJob / StopMmsJob / RetryMmsJob / DeleteMmsJob.
 * `status` is what the job's tasks add up to (INIT → DOING → DONE | FAILED); `stopped` is the
 * user's hold on it. A queued job is INIT and not stopped: workers take it from there. Starting a
 * DONE job runs it again: a new run, planned afresh (with increment, only what changed).
 */
export interface JobState {
  status: JobStatus;
  stopped: boolean;
}

export type JobAction = 'start' | 'stop' | 'retry' | 'delete';

/** Returns the state after the action, or throws a 409 that says what to do instead. */
export function applyJobAction(id: number, state: JobState, action: JobAction): JobState {
  const { status, stopped } = state;
  switch (action) {
    case 'stop':
      if (status === 'DONE') throw conflict(`job ${id} is DONE; there is nothing to stop`);
      return { status, stopped: true };
    case 'start':
      if (status === 'DONE') return { status: 'INIT', stopped: false }; // run again (increment: what changed since)
      if (status === 'FAILED' && !stopped) throw conflict(`job ${id} has FAILED; use RetryMmsJob to re-run its failed tasks`);
      return { status, stopped: false };
    case 'retry':
      if (status !== 'FAILED') throw conflict(`job ${id} is ${status}; only a FAILED job can be retried`);
      return { status: 'INIT', stopped: false };
    case 'delete':
      if (status === 'DOING' && !stopped) throw conflict(`job ${id} is running; stop it before deleting it`);
      return state;
  }
}

/**
 * Which actions would change a job in this state (the console's buttons): the others answer 409,
 * whose reason is given, or change nothing (starting a running job, stopping a stopped one).
 */
export function allowedActions(id: number, state: JobState): { action: JobAction; allowed: boolean; reason: string | null }[] {
  return (['start', 'stop', 'retry', 'delete'] as const).map((action) => {
    try {
      const next = applyJobAction(id, state, action);
      if (action !== 'delete' && next.status === state.status && next.stopped === state.stopped) {
        return { action, allowed: false, reason: `job ${id} is already ${state.stopped ? 'stopped' : 'queued or running'}` };
      }
      // StopMmsJob accepts a FAILED job (a hold, as MMS does), but nothing of it runs: no button for it.
      if (action === 'stop' && state.status === 'FAILED') return { action, allowed: false, reason: `job ${id} has FAILED; nothing of it runs` };
      return { action, allowed: true, reason: null };
    } catch (err) {
      return { action, allowed: false, reason: (err as Error).message };
    }
  });
}
