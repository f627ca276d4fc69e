import type { Kysely } from 'kysely';
import { planQueuedJobs } from '../jobs/plan.js';
import type { EngineLog } from '../engine/execute-task.js';
import type { JobEngine } from '../jobs/service.js';
import type { Database } from '../store/schema.js';
import { etaPriority, type TaskQueue } from './queue.js';

/** Offers at most this many tasks per pass; the rest wait for the next pass. */
const OFFER_BATCH = 1000;

/**
 * The API side of cluster mode: plans queued jobs into tasks and offers every task a worker may
 * take (new, retry due, or held by a lease that lapsed) to the queue, earlier eta first.
 */
export class Dispatcher implements JobEngine {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly queue: TaskQueue,
    private readonly log: EngineLog,
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    const loop = () => {
      this.pass = this.dispatch()
        .catch((err) => this.log.error({ err }, 'dispatch failed'))
        .finally(() => {
          this.pass = null;
          if (this.timer) this.timer = setTimeout(loop, this.pollMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  nudge(): void {
    if (!this.pass) void this.dispatch().catch((err) => this.log.error({ err }, 'dispatch failed'));
  }

  /** Workers see a stop at their next heartbeat; wait (a while) for them to hand the tasks back. */
  async stopJob(jobId: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const busy = await this.db.selectFrom('tasks').select('id').where('job_id', '=', jobId).where('status', '=', 'DOING').executeTakeFirst();
      if (!busy) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
    await this.queue.close(false);
  }

  async dispatch(now = Date.now()): Promise<void> {
    await planQueuedJobs(this.db, 'postgres', this.log);
    const offers = await this.db
      .selectFrom('tasks as t')
      .innerJoin('jobs as j', (join) => join.onRef('j.id', '=', 't.job_id').onRef('j.run', '=', 't.run'))
      .select(['t.id', 'j.eta'])
      .where('j.stopped', '=', 0)
      .where((eb) =>
        eb.or([
          eb.and([eb('t.status', '=', 'INIT'), eb.or([eb('t.next_attempt_time', 'is', null), eb('t.next_attempt_time', '<=', now)])]),
          eb.and([eb('t.status', '=', 'DOING'), eb('t.lease_until', '<', now)]),
        ]),
      )
      .orderBy('t.id')
      .limit(OFFER_BATCH)
      .execute();
    for (const t of offers) await this.queue.offer(t.id, etaPriority(t.eta));
  }
}
