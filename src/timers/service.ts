import type { DataSourceService } from '../datasources/service.js';
import { notFound } from '../errors.js';
import { checkSchedule, latestTick } from '../planner/schedule.js';
import type { ScheduleType, TimerRow } from '../store/schema.js';
import type { Store } from '../store/store.js';

export interface TimerInput {
  name?: string;
  scheduleType: ScheduleType;
  value: string;
  timezone?: string;
  stopped?: boolean;
}

/** CreateMmsTimer / ListMmsTimers / GetMmsTimer / UpdateMmsTimer / DeleteMmsTimer. */
export class TimerService {
  constructor(
    private readonly store: Store,
    private readonly dataSources: DataSourceService,
  ) {}

  async create(sourceId: number, input: TimerInput, now = Date.now()): Promise<number> {
    await this.dataSources.get(sourceId);
    const timezone = input.timezone ?? 'UTC';
    const cron = checkSchedule(input.scheduleType, input.value, timezone);
    const { id } = await this.store.db
      .insertInto('timers')
      .values({
        source_id: sourceId, name: input.name ?? `${input.scheduleType} ${input.value}`, schedule_type: input.scheduleType, value: input.value, timezone,
        stopped: input.stopped ? 1 : 0,
        // The schedule starts from now: ticks before its creation are not owed.
        last_tick: latestTick(cron, timezone, now), create_time: now, update_time: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async get(sourceId: number, timerId: number): Promise<TimerRow> {
    await this.dataSources.get(sourceId);
    const row = await this.store.db.selectFrom('timers').selectAll().where('source_id', '=', sourceId).where('id', '=', timerId).executeTakeFirst();
    if (!row) throw notFound('Timer', timerId);
    return row;
  }

  async list(sourceId: number, page: { offset: number; limit: number }) {
    await this.dataSources.get(sourceId);
    const q = this.store.db.selectFrom('timers').where('source_id', '=', sourceId);
    const { total } = await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await q.selectAll().orderBy('id').offset(page.offset).limit(page.limit).execute();
    return { total: Number(total), rows };
  }

  async update(sourceId: number, timerId: number, changes: Partial<TimerInput>, now = Date.now()): Promise<void> {
    const current = await this.get(sourceId, timerId);
    const next = {
      scheduleType: changes.scheduleType ?? current.schedule_type,
      value: changes.value ?? current.value,
      timezone: changes.timezone ?? current.timezone,
    };
    const cron = checkSchedule(next.scheduleType, next.value, next.timezone);
    const rescheduled = next.scheduleType !== current.schedule_type || next.value !== current.value || next.timezone !== current.timezone;
    const resumed = changes.stopped === false && current.stopped === 1;
    await this.store.db
      .updateTable('timers')
      .set({
        name: changes.name ?? current.name, schedule_type: next.scheduleType, value: next.value, timezone: next.timezone,
        ...(changes.stopped !== undefined && { stopped: changes.stopped ? 1 : 0 }),
        // A new schedule, or a timer taken off hold, counts from now.
        ...((rescheduled || resumed) && { last_tick: latestTick(cron, next.timezone, now) }),
        update_time: now,
      })
      .where('id', '=', timerId)
      .execute();
  }

  async delete(sourceId: number, timerId: number): Promise<void> {
    await this.get(sourceId, timerId);
    await this.store.db.transaction().execute(async (tx) => {
      await tx.updateTable('jobs').set({ timer_id: null }).where('timer_id', '=', timerId).execute();
      await tx.deleteFrom('timers').where('id', '=', timerId).execute();
    });
  }
}
