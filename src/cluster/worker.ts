import { DEFAULT_CONCURRENCY } from '../config.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { TaskContext } from '../engine/run-task.js';
import { executeTask, type EngineLog } from '../engine/execute-task.js';
import { claimExclusively, withinLimits } from '../engine/concurrency.js';
import { cleanLakeStaging } from '../engine/staging-cleanup.js';
import type { TaskQueue } from './queue.js';

export interface WorkerOptions {
  concurrency: number;
  /** A lease not renewed for this long is free for another worker. */
  leaseMs: number;
  heartbeatMs: number;
}

/** Lake staging folders untouched this long belong to no live worker (a slice writes a file per 250k rows). */
const STALE_STAGING_MS = 6 * 3600_000;

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { concurrency: DEFAULT_CONCURRENCY, leaseMs: 15_000, heartbeatMs: 5_000 };

/**
 * A cluster worker: takes task messages from the queue, holds each task by a lease in the tasks
 * table (claimed with compare-and-set, renewed by heartbeats), and runs it. A worker killed with
 * SIGKILL stops renewing; once its lease lapses the dispatcher offers the task again and another
 * worker takes it over, redoing only slices not yet DONE (each slice replace is atomic).
 */
export class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly running = new Map<number, AbortController>();
  private readonly finished = new Set<Promise<void>>();

  constructor(
    private readonly ctx: TaskContext,
    private readonly queue: TaskQueue,
    private readonly log: EngineLog,
    private readonly options: WorkerOptions = DEFAULT_WORKER_OPTIONS,
  ) {}

  async start(): Promise<void> {
    // Other workers may be staging right now: only what nobody has touched for hours is a leftover.
    await cleanLakeStaging(this.ctx, this.log, STALE_STAGING_MS);
    await this.queue.work(this.options.concurrency, async ({ taskId }) => {
      const run = this.handle(taskId);
      this.finished.add(run);
      try {
        await run;
      } finally {
        this.finished.delete(run);
      }
    });
    this.log.info({ worker: this.id, concurrency: this.options.concurrency }, 'worker started');
  }

  /** SIGTERM: hands the running tasks back (their slices in flight roll back) and stops taking more. */
  async close(): Promise<void> {
    for (const abort of this.running.values()) abort.abort();
    await Promise.allSettled([...this.finished]);
    await this.queue.close(true);
  }

  private async handle(taskId: number): Promise<void> {
    const { db } = this.ctx;
    // Not ours to run (done, held by a live worker, stopped, backing off, over a limit): the dispatcher re-offers it if that changes.
    if (!(await this.claim(taskId))) return;
    const { job_id: jobId } = await db.selectFrom('tasks').select('job_id').where('id', '=', taskId).executeTakeFirstOrThrow();
    await db.updateTable('jobs').set({ status: 'DOING' }).where('id', '=', jobId).where('status', '=', 'INIT').execute();

    const abort = new AbortController();
    this.running.set(taskId, abort);
    const heartbeat = setInterval(() => {
      void this.renew(taskId, jobId, abort).catch((err) => this.log.warn({ err, taskId }, 'heartbeat failed'));
    }, this.options.heartbeatMs);
    try {
      await executeTask(this.ctx, this.log, taskId, jobId, abort.signal);
    } finally {
      clearInterval(heartbeat);
      this.running.delete(taskId);
      await db.updateTable('tasks').set({ lease_owner: null, lease_until: null }).where('id', '=', taskId).where('lease_owner', '=', this.id).execute();
    }
  }

  /** Takes the task if it is free (or its worker's lease lapsed) and its limits allow. */
  private async claim(taskId: number): Promise<boolean> {
    const { db } = this.ctx;
    const now = Date.now();
    const task = await db.selectFrom('tasks').select('source_id').where('id', '=', taskId).executeTakeFirst();
    if (!task) return false;
    return claimExclusively(db, 'postgres', async (tx) => {
      if (!(await withinLimits(tx, task.source_id, taskId, now))) return false;
      const r = await tx
        .updateTable('tasks')
        .set({ status: 'DOING', lease_owner: this.id, lease_until: now + this.options.leaseMs, start_time: now, err_msg: null, update_time: now })
        .where('id', '=', taskId)
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'INIT'), eb.or([eb('next_attempt_time', 'is', null), eb('next_attempt_time', '<=', now)])]),
            eb.and([eb('status', '=', 'DOING'), eb('lease_until', '<', now)]), // its worker is gone
          ]),
        )
        .where(({ exists, selectFrom }) =>
          exists(selectFrom('jobs as j').select('j.id').whereRef('j.id', '=', 'tasks.job_id').whereRef('j.run', '=', 'tasks.run').where('j.stopped', '=', 0)),
        )
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    });
  }

  /** Extends the lease; aborts the task when the lease was lost or the job stopped. */
  private async renew(taskId: number, jobId: number, abort: AbortController): Promise<void> {
    const { db } = this.ctx;
    const r = await db.updateTable('tasks').set({ lease_until: Date.now() + this.options.leaseMs }).where('id', '=', taskId).where('lease_owner', '=', this.id).executeTakeFirst();
    const job = await db.selectFrom('jobs').select('stopped').where('id', '=', jobId).executeTakeFirst();
    if (r.numUpdatedRows === 0n || !job || job.stopped) abort.abort();
  }
}
