import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../store/schema.js';
import { setPartitionStatus, setTableStatus } from '../store/catalog-status.js';
import { planQueuedJobs, unplannedJobs } from '../jobs/plan.js';
import type { TaskContext } from './run-task.js';
import { executeTask } from './execute-task.js';
import { cleanLakeStaging } from './staging-cleanup.js';
import { claimExclusively, withinLimits } from './concurrency.js';

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
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly ctx: TaskContext,
    private readonly log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>,
    private readonly options: RunnerOptions = DEFAULT_RUNNER_OPTIONS,
  ) {}

  private get db(): Kysely<Database> {
    return this.ctx.db;
  }

  /**
   * Work left DOING by a process that died is put back: its slice in flight never committed.
   * Embedded mode only: this process is the only one running tasks.
   */
  async recover(): Promise<void> {
    const stale = await this.db.selectFrom('catalog_partitions').select('id').where('status', '=', 'DOING').execute();
    for (const p of stale) await setPartitionStatus(this.db, p.id, 'INIT');
    const staleTables = await this.db.selectFrom('catalog_tables').select('id').where('status', '=', 'DOING').where('has_partitions', '=', 0).execute();
    for (const t of staleTables) await setTableStatus(this.db, t.id, 'INIT');
    await this.db.updateTable('task_partitions').set({ status: 'INIT' }).where('status', '=', 'DOING').execute();
    await this.db.updateTable('tasks').set({ status: 'INIT' }).where('status', '=', 'DOING').execute();
    await cleanLakeStaging(this.ctx, this.log, 0);
  }

  start(): void {
    const loop = () => {
      if (this.closed) return;
      this.ticking = this.tick()
        .catch((err) => this.log.error({ err }, 'runner tick failed'))
        .finally(() => {
          this.ticking = null;
          if (!this.closed) this.timer = setTimeout(loop, this.options.pollMs);
        });
    };
    loop();
  }

  /** Asks the runner to look for work now (after a job was created, started or retried). */
  nudge(): void {
    if (this.closed || this.ticking) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.start();
  }

  /** Aborts the running tasks of a job; resolves once they have rolled back. */
  async stopJob(jobId: number): Promise<void> {
    const mine = [...this.running.values()].filter((r) => r.jobId === jobId);
    for (const r of mine) r.abort.abort();
    await Promise.allSettled(mine.map((r) => r.done));
  }

  /** Stops taking work, aborts what runs, waits for it to roll back. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Resolves when no task is running and nothing is left to take (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.ticking;
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
      if (this.running.size === 0 && !(await this.hasWork())) return;
      this.nudge();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async hasWork(): Promise<boolean> {
    return (await this.nextTask()) !== undefined || (await unplannedJobs(this.db)).length > 0;
  }

  private nextTask(skip: number[] = []) {
    return this.db
      .selectFrom('tasks as t')
      .innerJoin('jobs as j', (join) => join.onRef('j.id', '=', 't.job_id').onRef('j.run', '=', 't.run'))
      .select(['t.id', 't.job_id', 't.source_id'])
      .where('t.status', '=', 'INIT')
      .where('j.stopped', '=', 0)
      .where('j.status', 'in', ['INIT', 'DOING'])
      .where((eb) => eb.or([eb('t.next_attempt_time', 'is', null), eb('t.next_attempt_time', '<=', Date.now())]))
      .where('t.id', 'not in', [0, ...this.running.keys(), ...skip])
      // Earlier eta first (no eta: last), then older jobs, then task order.
      .orderBy((eb) => eb.fn.coalesce('j.eta', eb.val('9999-12-31')), 'asc')
      .orderBy('j.id')
      .orderBy('t.id')
      .executeTakeFirst();
  }

  private async tick(): Promise<void> {
    await planQueuedJobs(this.db, this.ctx.dialect, this.log);
    const overLimit: number[] = [];
    while (this.running.size < this.options.concurrency && !this.closed) {
      const next = await this.nextTask(overLimit);
      if (!next) return;
      const claimed = await claimExclusively(this.db, this.ctx.dialect, async (tx) => {
        if (!(await withinLimits(tx, next.source_id, next.id))) return false;
        const r = await tx.updateTable('tasks').set({ status: 'DOING', start_time: Date.now(), err_msg: null }).where('id', '=', next.id).where('status', '=', 'INIT').executeTakeFirst();
        return r.numUpdatedRows > 0n;
      });
      if (!claimed) {
        overLimit.push(next.id); // its source or destination is at its limit (or another claimed it): try the next
        continue;
      }
      await this.db.updateTable('jobs').set({ status: 'DOING' }).where('id', '=', next.job_id).where('status', '=', 'INIT').execute();
      const abort = new AbortController();
      const done = executeTask(this.ctx, this.log, next.id, next.job_id, abort.signal).finally(() => {
        this.running.delete(next.id);
        this.nudge();
      });
      this.running.set(next.id, { jobId: next.job_id, abort, done });
    }
  }
}
