import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../store/schema.js';
import { movePartitions, setTableStatus } from '../store/catalog-status.js';
import { planQueuedJobs, unplannedJobs } from '../jobs/plan.js';
import type { TaskContext } from './task-run.js';
import { executeTask } from './execute-task.js';
import { cleanLeftovers } from './leftovers.js';
import { Poller } from '../jobs/poller.js';
import { claimableTasks, claimNext } from '../jobs/ledger/claim.js';
import { requeueInterrupted } from '../jobs/ledger/tasks.js';

export interface RunnerOptions {
  /** Tasks copied at once. */
  concurrency: number;
  /** How often to look for work when idle. */
  pollMs: number;
}

/** Copies wait mostly on the engines, not on this process's CPU: a few at once keep them busy. */
export const DEFAULT_RUNNER_OPTIONS: RunnerOptions = { concurrency: 4, pollMs: 500 };

/**
 * The in-process worker of the embedded mode: plans queued jobs, takes their tasks in eta order
 * (earlier first), runs them, and rolls task results up to the job. Stopping a job aborts its
 * running tasks at the next batch; their slice in flight rolls back.
 */
export class Runner {
  private readonly running = new Map<number, { jobId: number; abort: AbortController; done: Promise<void> }>();
  private readonly poller: Poller;
  private closed = false;

  constructor(
    private readonly ctx: TaskContext,
    private readonly log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>,
    private readonly options: RunnerOptions = DEFAULT_RUNNER_OPTIONS,
  ) {
    this.poller = new Poller('runner tick', () => this.tick(), options.pollMs, log);
  }

  private get db(): Kysely<Database> {
    return this.ctx.db;
  }

  /**
   * Work left DOING by a process that died is put back: its slice in flight never committed.
   * Embedded mode only: this process is the only one running tasks.
   */
  async recover(): Promise<void> {
    const stale = await this.db.selectFrom('catalog_partitions').select('id').where('status', '=', 'DOING').execute();
    await this.db.transaction().execute((tx) => movePartitions(tx, stale.map((p) => p.id), 'INIT'));
    const staleTables = await this.db.selectFrom('catalog_tables').select('id').where('status', '=', 'DOING').where('has_partitions', '=', 0).execute();
    for (const t of staleTables) await setTableStatus(this.db, t.id, 'INIT');
    await requeueInterrupted(this.db);
    await cleanLeftovers(this.ctx, this.log, 0);
  }

  start(): void {
    this.poller.start();
  }

  /** Asks the runner to look for work now (after a job was created, started or retried). */
  nudge(): void {
    this.poller.nudge();
  }

  /** Aborts the running tasks of a job; resolves once they have rolled back. */
  async stopJob(jobId: number): Promise<void> {
    const mine = [...this.running.values()].filter((r) => r.jobId === jobId);
    for (const r of mine) r.abort.abort();
    await Promise.allSettled(mine.map((r) => r.done));
    await this.ctx.snapshots.release(jobId);
  }

  /** Stops taking work, aborts what runs, waits for it to roll back. */
  async close(): Promise<void> {
    this.closed = true;
    await this.poller.close();
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.ctx.snapshots.close();
  }

  /** Resolves when no task is running and nothing is left to take (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.poller.running;
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
      // Quiet before and after the look: a pass that claimed a task while we looked (the task is
      // DOING, no longer claimable, and not yet in `running`) shows as a pass in flight.
      if (this.quiet() && !(await this.hasWork()) && this.quiet()) return;
      this.nudge();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private quiet(): boolean {
    return this.running.size === 0 && this.poller.running === null;
  }

  /** A task to take now or once its backoff is over, or a job to plan. */
  private async hasWork(): Promise<boolean> {
    return (await claimableTasks(this.db, Number.MAX_SAFE_INTEGER, [...this.running.keys()]).executeTakeFirst()) !== undefined || (await unplannedJobs(this.db)).length > 0;
  }

  private async tick(): Promise<void> {
    await this.ctx.snapshots.tick();
    await planQueuedJobs(this.db, this.ctx.dialect, this.log);
    while (this.running.size < this.options.concurrency && !this.closed) {
      const next = await claimNext(this.db, this.ctx.dialect, [...this.running.keys()]);
      if (!next) return;
      const abort = new AbortController();
      const done = executeTask(this.ctx, this.log, next.taskId, next.jobId, null, abort.signal)
        .catch((err) => this.log.error({ err, taskId: next.taskId }, 'the end of a task could not be recorded'))
        .finally(() => {
          this.running.delete(next.taskId);
          this.nudge();
        });
      this.running.set(next.taskId, { jobId: next.jobId, abort, done });
    }
  }
}
