import type { FastifyBaseLogger } from 'fastify';
import { cronOf, latestTick } from './schedule.js';
import type { Store } from '../store/store.js';
import { isUniqueViolation } from '../store/store.js';
import type { TimerService } from './service.js';
import { Poller } from '../jobs/poller.js';

/**
 * Fires timers at each tick of their schedule (TimerService.fire: a job from the template, logged).
 * Any number of API processes may run a scheduler: a tick fires in the one process that records
 * it in timer_fires first (its primary key refuses the others). Policy for ticks missed while no
 * process ran: the latest missed tick fires once; older ones are skipped.
 */
export class TimerScheduler {
  private readonly poller: Poller;

  constructor(
    private readonly store: Store,
    private readonly timers: TimerService,
    private readonly log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>,
    pollMs = 1000,
  ) {
    this.poller = new Poller('timer check', () => this.check(), pollMs, log);
  }

  start(): void {
    this.poller.start();
  }

  close(): Promise<void> {
    return this.poller.close();
  }

  /** One pass over the timers; fires each whose latest tick is newer than the last handled. */
  async check(now = Date.now()): Promise<void> {
    const db = this.store.db;
    const timers = await db.selectFrom('timers').selectAll().where('stopped', '=', 0).execute();
    for (const t of timers) {
      const tick = latestTick(cronOf(t.schedule_type, t.value), t.timezone, now);
      if (t.last_tick !== null && tick <= t.last_tick) continue;
      try {
        await db.insertInto('timer_fires').values({ timer_id: t.id, tick, fired_at: now }).execute();
      } catch (err) {
        if (isUniqueViolation(err)) continue; // another process fired this tick
        throw err;
      }
      await db.updateTable('timers').set({ last_tick: tick }).where('id', '=', t.id).where((eb) => eb.or([eb('last_tick', 'is', null), eb('last_tick', '<', tick)])).execute();
      const started = await this.timers.fire(t, now);
      await db.updateTable('timer_fires').set({ jobs_started: started }).where('timer_id', '=', t.id).where('tick', '=', tick).execute();
      this.log.info({ timerId: t.id, tick: new Date(tick).toISOString(), started }, 'timer fired');
    }
  }
}
