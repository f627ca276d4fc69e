import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { planQueuedJobs } from '../../src/jobs/plan.js';
import { claimTask } from '../../src/jobs/ledger/claim.js';
import { endTask, renewLease, slicesDone } from '../../src/jobs/ledger/tasks.js';
import { mms, TestApi } from '../support/api.js';
import { STORE_KINDS } from '../support/stores.js';

const LEASE = { ms: 15_000 };
const quiet = { info: () => {} };

describe.each(STORE_KINDS)('the task ledger (%s store)', (kind) => {
  let api: TestApi;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-ledger-'));
  const db = () => api.store.db;
  const task = (id: number) => db().selectFrom('tasks').select(['status', 'lease_owner', 'partitions_done', 'rows']).where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    const source = new SqliteDatabase(join(dataDir, 'two.sqlite'));
    source.exec('CREATE TABLE a (id INTEGER); INSERT INTO a VALUES (1); CREATE TABLE b (id INTEGER); INSERT INTO b VALUES (1)');
    source.close();
    api = await TestApi.start(kind, dataDir);
    const { dataSourceId } = (await api.call('POST', mms('/datasources'), { name: 'two', type: 'SQLITE', config: { source: { path: 'two.sqlite' }, destination: { type: 'DUCKDB', path: 'two.duckdb' } } })).body.data;
    await api.call('POST', mms(`/datasources/${dataSourceId}/scans`));
    await api.app.scans.idle();
    expect((await api.call('POST', mms(`/datasources/${dataSourceId}/jobs`), { name: 'both', srcDbName: 'main', increment: false })).status).toBe(200);
    await planQueuedJobs(db(), kind, quiet);
  });
  afterAll(() => api?.close());

  it('hands a DuckDB file to one writer at a time, and a task whose worker is gone to another, never back to the old one', async () => {
    const t0 = 1_900_000_000_000;
    const dialect = kind;
    const [a, b] = (await db().selectFrom('tasks').select('id').orderBy('id').execute()).map((t) => t.id);
    // Worker A takes the first task; the second waits: one DuckDB file, one writer.
    expect(await claimTask(db(), dialect, a!, { lease: { owner: 'A', ...LEASE }, now: t0 })).not.toBeNull();
    expect(await claimTask(db(), dialect, b!, { lease: { owner: 'B', ...LEASE }, now: t0 + 1 })).toBeNull();
    expect(await claimTask(db(), dialect, a!, { lease: { owner: 'B', ...LEASE }, now: t0 + 1 })).toBeNull(); // held, and alive

    // A stops renewing; once its lease lapsed, B takes its task over (and only then).
    const later = t0 + LEASE.ms + 1;
    expect(await claimTask(db(), dialect, a!, { lease: { owner: 'B', ...LEASE }, now: later })).toMatchObject({ jobId: expect.any(Number) });
    expect(await task(a!)).toMatchObject({ status: 'DOING', lease_owner: 'B' });

    // A wakes up: it can neither renew nor record an end, stopped or failed, over B's run.
    expect(await renewLease(db(), a!, 'A', LEASE.ms, later + 1)).toBe(false);
    expect(await endTask(db(), dialect, a!, 0, 'A', { status: 'STOPPED' })).toBe(false);
    expect(await endTask(db(), dialect, a!, 0, 'A', { status: 'FAILED', attempts: 1, message: 'lost', retryAt: null })).toBe(false);
    expect(await task(a!)).toMatchObject({ status: 'DOING', lease_owner: 'B' });

    // Both copied the slice (replaced, not doubled, at the destination): it is counted once.
    const done = { seq: 0, rows: 1, bytes: 8, verification: null };
    await slicesDone(db(), a!, [done], async () => {});
    await slicesDone(db(), a!, [done], async () => {});
    expect(await task(a!)).toMatchObject({ partitions_done: 1, rows: 1 });

    // B ends it; the file is free for the second task.
    const jobId = (await db().selectFrom('tasks').select('job_id').where('id', '=', a!).executeTakeFirstOrThrow()).job_id;
    expect(await endTask(db(), dialect, a!, jobId, 'B', { status: 'DONE' })).toBe(true);
    expect(await task(a!)).toMatchObject({ status: 'DONE', lease_owner: null });
    expect(await claimTask(db(), dialect, b!, { lease: { owner: 'A', ...LEASE }, now: later + 2 })).not.toBeNull();
    expect(await endTask(db(), dialect, b!, jobId, 'A', { status: 'DONE' })).toBe(true);
    expect(await db().selectFrom('jobs').select(['status', 'task_done']).where('id', '=', jobId).executeTakeFirstOrThrow()).toEqual({ status: 'DONE', task_done: 2 });
  });

  it('holds the cluster-wide cap on running tasks, whatever their data sources', async () => {
    // Two more data sources, each writing its own file: no limit of theirs stands in the way.
    const ids: number[] = [];
    for (const name of ['c', 'd']) {
      const { dataSourceId } = (await api.call('POST', mms('/datasources'), { name, type: 'SQLITE', config: { source: { path: 'two.sqlite' }, destination: { type: 'SQLITE', path: `${name}.sqlite` } } })).body.data;
      await api.call('POST', mms(`/datasources/${dataSourceId}/scans`));
      await api.app.scans.idle();
      await api.call('POST', mms(`/datasources/${dataSourceId}/jobs`), { name, srcDbName: 'main', tables: ['a'], increment: false });
      ids.push(dataSourceId);
    }
    await planQueuedJobs(db(), kind, quiet);
    const [c, d] = (await db().selectFrom('tasks').select('id').where('source_id', 'in', ids).orderBy('id').execute()).map((t) => t.id);
    const t0 = 1_900_000_100_000;
    expect(await claimTask(db(), kind, c!, { lease: { owner: 'A', ...LEASE }, maxRunning: 1, now: t0 })).not.toBeNull();
    expect(await claimTask(db(), kind, d!, { lease: { owner: 'B', ...LEASE }, maxRunning: 1, now: t0 + 1 })).toBeNull();
    expect(await claimTask(db(), kind, d!, { lease: { owner: 'B', ...LEASE }, maxRunning: 2, now: t0 + 1 })).not.toBeNull();
  });
});
