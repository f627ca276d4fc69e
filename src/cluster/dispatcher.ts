import type { Kysely } from 'kysely';
import { planQueuedJobs } from '../jobs/plan.js';
import { claimableTasks } from '../jobs/ledger/claim.js';
import { claimableScans } from '../catalog/scan-runs.js';
import type { EngineLog } from '../engine/execute-task.js';
import type { JobEngine } from '../jobs/service.js';
import type { Database } from '../store/schema.js';
import { etaPriority, type TaskQueue } from './queue.js';
import { Poller } from '../jobs/poller.js';

/** Offers at most this many tasks per pass; the rest wait for the next pass. */
const OFFER_BATCH = 1000;

/**
 * The API side of cluster mode: plans queued jobs into tasks and offers every task a worker may
 * take (new, retry due, or held by a lease that lapsed) to the queue, earlier eta first, and every
 * scan a worker may run.
 */
export class Dispatcher implements JobEngine {
  private readonly poller: Poller;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly queue: TaskQueue,
    private readonly log: EngineLog,
    pollMs = 1000,
  ) {
    this.poller = new Poller('dispatch', () => this.dispatch(), pollMs, log);
  }

  start(): void {
    this.poller.start();
  }

  nudge(): void {
    this.poller.nudge();
  }

  /**
   * The stop is recorded in the job row when this is called: workers see it at their next
   * heartbeat and hand its tasks back (their slices in flight roll back), with nothing to wait for here.
   */
  async stopJob(): Promise<void> {}

  async close(): Promise<void> {
    await this.poller.close();
    await this.queue.close(false);
  }

  async dispatch(now = Date.now()): Promise<void> {
    await planQueuedJobs(this.db, 'postgres', this.log);
    const offers = await claimableTasks(this.db, now).limit(OFFER_BATCH).execute();
    await this.queue.offer(offers.map((t) => ({ taskId: t.id, priority: etaPriority(t.eta) })));
    for (const s of await claimableScans(this.db, now).limit(OFFER_BATCH).execute()) await this.queue.offerScan(s.id);
  }
}
