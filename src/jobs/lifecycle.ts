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
