import { DEFAULT_CONCURRENCY } from '../config.js';
import { DEFAULT_LEASE_MS, leaseOwner } from '../store/leases.js';
import type { TaskContext } from '../engine/task-run.js';
import { executeTask, type EngineLog } from '../engine/execute-task.js';
import { claimTask } from '../jobs/ledger/claim.js';
import { renewLease } from '../jobs/ledger/tasks.js';
import { cleanLeftovers } from '../engine/leftovers.js';
import type { TaskQueue } from './queue.js';
import type { ScanService } from '../catalog/scan-service.js';

export interface WorkerOptions {
  concurrency: number;
  /** A lease not renewed for this long is free for another worker. */
  leaseMs: number;
  heartbeatMs: number;
  /** The cluster-wide cap on running tasks (OPENMMS_MAX_RUNNING_TASKS), checked at each claim. */
  maxRunningTasks: number | null;
}

/** Lake staging folders untouched this long belong to no live worker (a slice writes a file per 250k rows). */
const STALE_STAGING_MS = 6 * 3600_000;

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { concurrency: DEFAULT_CONCURRENCY, leaseMs: DEFAULT_LEASE_MS, heartbeatMs: DEFAULT_LEASE_MS / 3, maxRunningTasks: null };

/**
 * A cluster worker: takes task messages from the queue, holds each task by a lease in the tasks
 * table (claimed with compare-and-set, renewed by heartbeats), and runs it. A worker killed with
 * SIGKILL stops renewing; once its lease lapses the dispatcher offers the task again and another
 * worker takes it over, redoing only slices not yet DONE (each slice replace is atomic).
 */
export class Worker {
  private readonly running = new Map<number, AbortController>();
  private readonly finished = new Set<Promise<void>>();
  /** Set by close: a message taken after it (a handler fetches the next one as its task ends) claims nothing. */
  private closing = false;

  constructor(
    private readonly ctx: TaskContext,
    private readonly queue: TaskQueue,
    private readonly log: EngineLog,
    private readonly options: WorkerOptions = DEFAULT_WORKER_OPTIONS,
    /** Runs the scans this worker claims (ScanService: leased, taken over when a worker dies). */
    private readonly scans?: ScanService,
    /** Its name in the leases it holds (tasks and scans alike). */
    readonly id = leaseOwner(),
  ) {}

  /** Keeps the leases of the snapshots this worker holds, and lets go of those whose run is over. */
  private snapshotTicks: NodeJS.Timeout | null = null;

  async start(): Promise<void> {
    this.snapshotTicks = setInterval(() => void this.ctx.snapshots.tick().catch((err) => this.log.warn({ err }, 'snapshot lease renewal failed')), this.options.heartbeatMs);
    // Other workers may be staging right now: only what nobody has touched for hours is a leftover.
    await cleanLeftovers(this.ctx, this.log, STALE_STAGING_MS);
    await this.queue.work(this.options.concurrency, async ({ taskId }) => {
      const run = this.handle(taskId);
      this.finished.add(run);
      try {
        await run;
      } finally {
        this.finished.delete(run);
      }
    });
    if (this.scans) await this.queue.workScans(({ scanId }) => this.scans!.take(scanId));
    this.log.info({ worker: this.id, concurrency: this.options.concurrency }, 'worker started');
  }

  /** SIGTERM: hands the running tasks back (their slices in flight roll back) and stops taking more. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.snapshotTicks) clearInterval(this.snapshotTicks);
    for (const abort of this.running.values()) abort.abort();
    await Promise.allSettled([...this.finished]);
    await this.ctx.snapshots.close();
    await this.queue.close(true);
  }

  private async handle(taskId: number): Promise<void> {
    const { db } = this.ctx;
    if (this.closing) return; // the dispatcher offers it again
    // Not ours to run (done, held by a live worker, stopped, backing off, over a limit): the dispatcher re-offers it if that changes.
    const claimed = await claimTask(db, 'postgres', taskId, { lease: { owner: this.id, ms: this.options.leaseMs }, maxRunning: this.options.maxRunningTasks });
    if (!claimed) return;
    const abort = new AbortController();
    if (this.closing) abort.abort(); // claimed while closing: handed straight back
    this.running.set(taskId, abort);
    const heartbeat = setInterval(() => {
      void this.renew(taskId, claimed.jobId, abort).catch((err) => this.log.warn({ err, taskId }, 'heartbeat failed'));
    }, this.options.heartbeatMs);
    try {
      // The ledger records the end only while this worker holds the lease (it also lets the lease go).
      await executeTask(this.ctx, this.log, taskId, claimed.jobId, this.id, abort.signal);
    } finally {
      clearInterval(heartbeat);
      this.running.delete(taskId);
    }
  }

  /** Extends the lease; aborts the task when the lease was lost or the job stopped. */
  private async renew(taskId: number, jobId: number, abort: AbortController): Promise<void> {
    const held = await renewLease(this.ctx.db, taskId, this.id, this.options.leaseMs);
    const job = await this.ctx.db.selectFrom('jobs').select('stopped').where('id', '=', jobId).executeTakeFirst();
    if (!held || !job || job.stopped) abort.abort();
  }
}
