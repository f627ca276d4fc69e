import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { until } from '../../support/processes.js';
import { pgQuery, type createPgDatabase } from '../../support/stores.js';
import { ok } from '../harness.js';
import type { Query, SdkCall, SdkResponse } from '../sdk-client.js';

/** A probe of one request parameter: asserts its effect, or its refusal. */
export type Probe = () => Promise<void>;
/** Probes by operation and parameter (`in:name`). */
export type Probes = Record<string, Record<string, Probe>>;
type PgDatabase = Awaited<ReturnType<typeof createPgDatabase>>;

/**
 * The parameter walk's shared state (parameters.test.ts): what earlier probes created and later ones
 * use, and the calls they make, signed as the SDK signs. Helpers are arrow properties, so a probe
 * file may take them apart.
 */
export class Walk {
  sdk!: SdkCall;
  src!: PgDatabase;
  dst!: PgDatabase;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'openmms-walk-'));
  /** Jobs whose tasks entered their slice's verification, in order (the eta probe reads it); `hold` keeps them there. */
  readonly verified: number[] = [];
  hold: Promise<void> | null = null;
  sourceId = 0;
  secondId = 0;
  timerId = 0;
  scanId = 0;
  failedTask = 0;
  readonly db: Record<string, number> = {};
  readonly table: Record<string, number> = {};
  readonly partition: Record<string, number> = {};
  readonly jobs: Record<string, number> = {};

  call: SdkCall = (...args) => this.sdk(...args);
  at = (path: string) => path.replace('{sourceId}', String(this.sourceId));
  get = async (action: string, path: string, query: Query = {}) => ok(await this.call(action, 'GET', this.at(path), { query }));
  send = (action: string, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: object) => this.call(action, method, this.at(path), body === undefined ? {} : { body });
  refused = (res: SdkResponse, why: RegExp) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.message).toMatch(why);
  };
  names = (page: { objectList: { name: string }[] }) => page.objectList.map((r) => r.name).sort();
  listed = async (action: string, path: string, query: Query) => this.names(await this.get(action, path, query));
  dstRows = (sql: string) => pgQuery(this.dst.url, sql);
  dstTables = async (schema: string) => (await this.dstRows(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY 1`)).map((r) => r.table_name);
  /** A list sorted by `key` in both orders: the values of `field` come in that order. */
  sortsBy = async (action: string, path: string, query: Query, key: string, field: string) => {
    for (const order of ['asc', 'desc'] as const) {
      const values = (await this.get(action, path, { ...query, [key]: order })).objectList.map((r: Record<string, number | string | null>) => r[field]);
      expect([key, order, values]).toEqual([key, order, ordered(values, order)]);
    }
  };
  /** pageNum and pageSize: the second page of one holds one row, not the first page's. */
  pages = async (action: string, path: string, query: Query = {}) => {
    const all = await this.get(action, path, query);
    expect(all.total).toBeGreaterThanOrEqual(2);
    const second = await this.get(action, path, { ...query, pageNum: 2, pageSize: 1 });
    expect([second.total, second.pageNum, second.pageSize, second.objectList.length]).toEqual([all.total, 2, 1, 1]);
    const first = await this.get(action, path, { ...query, pageNum: 1, pageSize: 1 });
    expect(second.objectList[0].id).not.toBe(first.objectList[0].id);
  };
  /** A metadata scan run to its end: its result. */
  scan = async (body: object = {}) => {
    const { scanId: id } = ok(await this.send('CreateMmsFetchMetadataJob', 'POST', '/datasources/{sourceId}/scans', body));
    await until(async () => (await this.get('GetMmsFetchMetadataJob', `/datasources/{sourceId}/scans/${id}`)).status === 'DONE');
    this.scanId = id;
    return JSON.parse((await this.get('GetMmsFetchMetadataJob', `/datasources/{sourceId}/scans/${id}`)).result);
  };
  jobRow = (id: number) => this.get('GetMmsJob', `/datasources/{sourceId}/jobs/${id}`);
  ended = async (id: number) => {
    await until(async () => ['DONE', 'FAILED'].includes((await this.jobRow(id)).status));
    return this.jobRow(id);
  };
  /** CreateMmsJob, then the job through its TASK_CREATE async task. */
  createJob = async (body: object) => {
    const { asyncTaskId } = ok(await this.send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', body));
    return (await this.get('GetMmsAsyncTask', `/datasources/{sourceId}/asyncTasks/${asyncTaskId}`)).objectId as number;
  };
  /** A job run to its end, copying its whole scope unless told otherwise; `key` names it for later probes. */
  job = async (key: string, body: object) => {
    this.jobs[key] = await this.createJob({ name: key, srcDbName: 'public', increment: false, ...body });
    return this.ended(this.jobs[key]!);
  };
  tasksOf = async (id: number) => (await this.get('ListMmsTasks', '/datasources/{sourceId}/tasks', { jobId: id })).objectList;
  logStatuses = async (taskId: number) => (await this.get('ListMmsTaskLogs', `/datasources/{sourceId}/tasks/${taskId}/logs`)).map((l: { status: string }) => l.status);
  timer = (id = this.timerId) => this.get('GetMmsTimer', `/datasources/{sourceId}/timers/${id}`);
  /** TriggerMmsTimer, then the job the firing created, run to its end. */
  fire = async (id: number) => {
    const before = (await this.get('ListMmsJobs', '/datasources/{sourceId}/jobs', { timerId: id })).total;
    expect(ok(await this.send('TriggerMmsTimer', 'POST', `/datasources/{sourceId}/timers/${id}/trigger`))).toBe(id);
    await until(async () => (await this.get('ListMmsJobs', '/datasources/{sourceId}/jobs', { timerId: id })).total > before);
    const [created] = (await this.get('ListMmsJobs', '/datasources/{sourceId}/jobs', { timerId: id, pageNum: 1, pageSize: 1 })).objectList;
    return this.ended(created.id);
  };
  /** Holds the tasks that reach their slice's verification until the returned function is called. */
  holdChecks = () => {
    let release!: () => void;
    this.hold = new Promise<void>((r) => (release = r));
    this.verified.length = 0;
    return () => {
      this.hold = null;
      release();
    };
  };
}

/** `values` sorted as a list sorted `order` should hold them (nulls first ascending). */
function ordered(values: (number | string | null)[], order: 'asc' | 'desc') {
  const sorted = [...values].sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
  return order === 'asc' ? sorted : sorted.reverse();
}
