import { describe, expect, it } from 'vitest';
import { allowedActions, applyJobAction, type JobAction, type JobState } from '../../src/jobs/lifecycle.js';
import type { JobStatus } from '../../src/store/schema.js';

const all: JobStatus[] = ['INIT', 'DOING', 'DONE', 'FAILED'];
const outcome = (status: JobStatus, stopped: boolean, action: JobAction): JobState | 'refused' => {
  try {
    return applyJobAction(1, { status, stopped }, action);
  } catch {
    return 'refused';
  }
};

describe('job state machine', () => {
  it('stop holds any unfinished job and is idempotent', () => {
    for (const s of ['INIT', 'DOING', 'FAILED'] as const) {
      expect(outcome(s, false, 'stop')).toEqual({ status: s, stopped: true });
      expect(outcome(s, true, 'stop')).toEqual({ status: s, stopped: true });
    }
    expect(outcome('DONE', false, 'stop')).toBe('refused');
  });

  it('start releases a hold or runs a DONE job again; a FAILED job needs retry', () => {
    expect(outcome('INIT', true, 'start')).toEqual({ status: 'INIT', stopped: false });
    expect(outcome('DOING', true, 'start')).toEqual({ status: 'DOING', stopped: false });
    expect(outcome('INIT', false, 'start')).toEqual({ status: 'INIT', stopped: false });
    expect(outcome('FAILED', true, 'start')).toEqual({ status: 'FAILED', stopped: false });
    expect(outcome('FAILED', false, 'start')).toBe('refused');
    expect(outcome('DONE', false, 'start')).toEqual({ status: 'INIT', stopped: false });
  });

  it('retry only re-queues a FAILED job', () => {
    for (const stopped of [true, false]) {
      expect(outcome('FAILED', stopped, 'retry')).toEqual({ status: 'INIT', stopped: false });
      for (const s of ['INIT', 'DOING', 'DONE'] as const) expect(outcome(s, stopped, 'retry')).toBe('refused');
    }
  });

  it('delete refuses only a running job', () => {
    for (const s of all) {
      for (const stopped of [true, false]) {
        expect(outcome(s, stopped, 'delete') === 'refused').toBe(s === 'DOING' && !stopped);
      }
    }
  });

  it('tells the console which actions change the job, and why not the others', () => {
    const allowed = (status: JobStatus, stopped: boolean) => Object.fromEntries(allowedActions(7, { status, stopped }).map((a) => [a.action, a.allowed ? true : a.reason]));
    expect(allowed('DOING', false)).toEqual({ start: 'job 7 is already queued or running', stop: true, retry: 'job 7 is DOING; only a FAILED job can be retried', delete: 'job 7 is running; stop it before deleting it' });
    expect(allowed('DOING', true)).toEqual({ start: true, stop: 'job 7 is already stopped', retry: 'job 7 is DOING; only a FAILED job can be retried', delete: true });
    expect(allowed('DONE', false)).toEqual({ start: true, stop: 'job 7 is DONE; there is nothing to stop', retry: 'job 7 is DONE; only a FAILED job can be retried', delete: true });
    expect(allowed('FAILED', false)).toEqual({ start: 'job 7 has FAILED; use RetryMmsJob to re-run its failed tasks', stop: 'job 7 has FAILED; nothing of it runs', retry: true, delete: true });
  });
});
