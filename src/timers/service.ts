import { Type } from '@sinclair/typebox';
import { decodeStored } from '../store/stored-json.js';
import type { DataSourceService } from '../datasources/service.js';
import { MmsError, notFound } from '../errors.js';
import { timestampedName, type CreateJobRequest, type JobService } from '../jobs/service.js';
import type { ScopeRequest } from '../planner/scope.js';
import { checkSchedule, latestTick } from './schedule.js';
import { recordAsyncTask } from '../store/async-tasks.js';
import { detachTimer } from '../jobs/ledger/jobs.js';
import type { ScheduleType, TimerRow } from '../store/schema.js';
import type { Store } from '../store/store.js';

export type TimerListRow = TimerRow & { db_id: number | null };

/** The job template of an MMS timer (TimerConfig): a firing creates a job of these fields. */
export interface TimerTemplate extends ScopeRequest {
  /** OpenMMS addition: the destination database (else the catalog's mapping, as for jobs). */
  dstDbName?: string;
  enableSchemaMigration?: boolean;
  enableDataMigration?: boolean;
  enableVerification?: boolean;
  others?: Record<string, unknown>;
}

export interface TimerInput extends TimerTemplate {
  name?: string;
  /** Repeats the path's data source (the SDK sends it). */
  sourceId?: number;
  /** The source database of the job template; a timer without one re-runs the jobs created with its timerId. */
  srcDbName?: string;
  scheduleType: ScheduleType;
  value: string;
  timezone?: string;
  stopped?: boolean;
}

const Strings = Type.Optional(Type.Record(Type.String(), Type.String()));
const Names = Type.Optional(Type.Array(Type.String()));
const TimerTemplateSchema = Type.Object({
  type: Type.Optional(Type.Union([Type.Literal('Database'), Type.Literal('Tables'), Type.Literal('Partitions')])),
  tables: Names,
  partitions: Type.Optional(Type.Array(Type.Integer())),
  tableWhiteList: Names,
  tableBlackList: Names,
  partitionFilters: Strings,
  tableMapping: Strings,
  columnMapping: Strings,
  dstDbName: Type.Optional(Type.String()),
  enableSchemaMigration: Type.Optional(Type.Boolean()),
  enableDataMigration: Type.Optional(Type.Boolean()),
  enableVerification: Type.Optional(Type.Boolean()),
  others: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/** A timer row's template column. */
export const decodeTimerTemplate = (text: string): TimerTemplate => decodeStored(TimerTemplateSchema, text, 'timer template');

const TEMPLATE_KEYS = ['tables', 'partitions', 'tableWhiteList', 'tableBlackList', 'partitionFilters', 'tableMapping', 'columnMapping', 'dstDbName', 'enableSchemaMigration', 'enableDataMigration', 'enableVerification', 'others'] as const;

const templateOf = (input: Partial<TimerInput>): TimerTemplate => Object.fromEntries(TEMPLATE_KEYS.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]));

/** The CreateMmsJob request a firing makes: incremental, so each run copies what changed since the last. */
function jobRequest(name: string, srcDbName: string, t: TimerTemplate, timerId?: number): CreateJobRequest {
  return { ...t, name, srcDbName, increment: true, ...(timerId !== undefined && { timerId }) };
}


/** CreateMmsTimer / ListMmsTimers / GetMmsTimer / UpdateMmsTimer / DeleteMmsTimer / TriggerMmsTimer / ListMmsTimerLogs. */
export class TimerService {
  constructor(
    private readonly store: Store,
    private readonly dataSources: DataSourceService,
    private readonly jobs: JobService,
  ) {}

  async create(sourceId: number, input: TimerInput, now = Date.now()): Promise<number> {
    await this.dataSources.get(sourceId);
    if (input.sourceId !== undefined && input.sourceId !== sourceId) throw new MmsError(400, 'InvalidParameter', `body sourceId ${input.sourceId} does not match the path's data source ${sourceId}`);
    const timezone = input.timezone ?? 'UTC';
    const cron = checkSchedule(input.scheduleType, input.value, timezone);
    const template = templateOf(input);
    // The template is checked as a job would be, so a timer never fires a job that cannot be created.
    if (input.srcDbName !== undefined) await this.jobs.preview(sourceId, jobRequest('timer', input.srcDbName, template));
    const { id } = await this.store.db
      .insertInto('timers')
      .values({
        source_id: sourceId, name: input.name ?? `${input.scheduleType} ${input.value}`, schedule_type: input.scheduleType, value: input.value, timezone,
        stopped: input.stopped ? 1 : 0,
        src_db_name: input.srcDbName ?? null,
        template: input.srcDbName === undefined ? null : JSON.stringify(template),
        // The schedule starts from now: ticks before its creation are not owed.
        last_tick: latestTick(cron, timezone, now), create_time: now, update_time: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  /** Timers with the catalog id of their source database. */
  private timers(sourceId: number) {
    return this.store.db
      .selectFrom('timers as t')
      .leftJoin('catalog_dbs as d', (join) => join.onRef('d.source_id', '=', 't.source_id').onRef('d.name', '=', 't.src_db_name').on('d.dropped', '=', 0))
      .selectAll('t')
      .select('d.id as db_id')
      .where('t.source_id', '=', sourceId);
  }

  async get(sourceId: number, timerId: number): Promise<TimerListRow> {
    await this.dataSources.get(sourceId);
    const row = await this.timers(sourceId).where('t.id', '=', timerId).executeTakeFirst();
    if (!row) throw notFound('Timer', timerId);
    return row;
  }

  /** A data source's timers are few: filtered here, then paged. */
  async list(sourceId: number, f: { name?: string; srcDbName?: string; srcTableName?: string; stopped?: boolean }, page: { offset: number; limit: number }) {
    await this.dataSources.get(sourceId);
    const all = await this.timers(sourceId).orderBy('t.id').execute();
    const names = (t: TimerRow) => {
      const tpl = t.template === null ? {} : decodeTimerTemplate(t.template);
      return [...(tpl.tables ?? []), ...(tpl.tableWhiteList ?? [])];
    };
    const rows = all.filter(
      (t) =>
        (f.name === undefined || t.name === f.name) &&
        (f.srcDbName === undefined || t.src_db_name === f.srcDbName) &&
        (f.srcTableName === undefined || names(t).includes(f.srcTableName)) &&
        (f.stopped === undefined || (t.stopped === 1) === f.stopped),
    );
    return { total: rows.length, rows: rows.slice(page.offset, page.offset + page.limit) };
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
    const changedTemplate = templateOf(changes);
    let template = current.template;
    if (Object.keys(changedTemplate).length) {
      if (current.src_db_name === null) throw new MmsError(400, 'InvalidParameter', `timer ${timerId} has no job template (it re-runs jobs created with its timerId)`);
      const merged = { ...decodeTimerTemplate(current.template!), ...changedTemplate };
      await this.jobs.preview(sourceId, jobRequest('timer', current.src_db_name, merged));
      template = JSON.stringify(merged);
    }
    await this.store.db
      .updateTable('timers')
      .set({
        name: changes.name ?? current.name, schedule_type: next.scheduleType, value: next.value, timezone: next.timezone, template,
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
      await detachTimer(tx, timerId);
      await tx.deleteFrom('timers').where('id', '=', timerId).execute();
    });
  }

  /** TriggerMmsTimer: fires the timer now, outside its schedule, exactly as a tick does. */
  async trigger(sourceId: number, timerId: number, now = Date.now()): Promise<number> {
    return this.fire(await this.get(sourceId, timerId), now);
  }

  /**
   * One firing, logged whatever comes of it: a timer with a template creates a job from it (which
   * starts by itself); one without re-runs its DONE jobs (a job running, stopped or failed is left alone).
   */
  /** Returns how many jobs it created or started. */
  async fire(timer: TimerRow, now = Date.now()): Promise<number> {
    const log = (entry: { status: string; action: string; msg: string; jobId?: number; asyncTaskId?: number }) =>
      this.store.db
        .insertInto('timer_logs')
        .values({ timer_id: timer.id, source_id: timer.source_id, job_id: entry.jobId ?? null, async_task_id: entry.asyncTaskId ?? null, status: entry.status, action: entry.action, msg: entry.msg, create_time: now })
        .execute();
    if (timer.src_db_name === null) {
      const jobs = await this.store.db.selectFrom('jobs').select(['id', 'status', 'stopped']).where('timer_id', '=', timer.id).execute();
      let started = 0;
      for (const j of jobs) {
        if (j.status !== 'DONE' || j.stopped) continue;
        await this.jobs.act(timer.source_id, j.id, 'start');
        started++;
      }
      await log({ status: started ? 'DOING' : 'DONE', action: 'restart jobs', msg: `${started} of ${jobs.length} jobs started (the others are running, stopped or failed)` });
      return started;
    }
    const template = decodeTimerTemplate(timer.template!);
    try {
      const jobId = await this.jobs.create(timer.source_id, jobRequest(timestampedName(timer.name, now), timer.src_db_name, template, timer.id));
      const asyncTaskId = await recordAsyncTask(this.store.db, { sourceId: timer.source_id, type: 'TASK_CREATE', objectId: jobId });
      await log({ status: 'DOING', action: 'start job', msg: `start job success: job ${jobId}`, jobId, asyncTaskId });
      return 1;
    } catch (err) {
      // The user's to fix (a scope that no longer resolves, a job still running its tables): logged, the timer goes on.
      if (!(err instanceof MmsError)) throw err;
      const asyncTaskId = await recordAsyncTask(this.store.db, { sourceId: timer.source_id, type: 'TASK_CREATE', objectId: null, status: 'FAILED', errorMsg: err.message });
      await log({ status: 'FAILED', action: 'start job', msg: err.message, asyncTaskId });
      return 0;
    }
  }

  /** ListMmsTimerLogs: newest first; `status` is the created job's current one where it still exists. */
  async logs(sourceId: number, timerId: number, page: { offset: number; limit: number }) {
    await this.get(sourceId, timerId);
    const q = this.store.db.selectFrom('timer_logs as l').where('l.timer_id', '=', timerId);
    const { total } = await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await q
      .leftJoin('jobs as j', 'j.id', 'l.job_id')
      .selectAll('l')
      .select('j.status as job_status')
      .orderBy('l.id', 'desc')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return { total: Number(total), rows };
  }
}
