import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSourceService } from '../../src/datasources/service.js';
import { SnapshotRegistry } from '../../src/engine/snapshots.js';
import { Runner } from '../../src/engine/runner.js';
import { mms, TestApi } from '../support/api.js';

describe('the job queue', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-queue-'));
  let api: TestApi;
  beforeAll(async () => {
    const db = new SqliteDatabase(join(dataDir, 'src.sqlite'));
    db.exec(`CREATE TABLE a (id INTEGER); INSERT INTO a VALUES (1), (2); CREATE TABLE b (id INTEGER); INSERT INTO b VALUES (3);
             CREATE TABLE c (id INTEGER); INSERT INTO c VALUES (4);`);
    db.close();
    api = await TestApi.start('sqlite', dataDir); // no runner: jobs wait in the queue
  });
  afterAll(async () => {
    await api?.close();
  });

  it('runs earlier eta first, then older jobs first', async () => {
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => (await api.call(method, mms(path), body)).body.data;
    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'q', type: 'SQLITE', config: { source: { path: 'src.sqlite' } } });
    await call('POST', `/datasources/${id}/scans`);
    await api.app.scans.idle();
    const late = (await call('POST', `/datasources/${id}/jobs`, { name: 'late', srcDbName: 'main', tables: ['a'], eta: '2030-01-01' })).jobId;
    const none = (await call('POST', `/datasources/${id}/jobs`, { name: 'none', srcDbName: 'main', tables: ['c'] })).jobId;
    const early = (await call('POST', `/datasources/${id}/jobs`, { name: 'early', srcDbName: 'main', tables: ['b'], eta: '2025-01-01 08:00' })).jobId;

    // One worker, so the order it takes tasks in is the order they start.
    const dataSources = new DataSourceService(api.store, api.secrets, api.sandbox);
    const runner = new Runner({ db: api.store.db, dialect: 'sqlite', dataSources, sandbox: api.sandbox, snapshots: new SnapshotRegistry(api.store.db, 'test', 2) }, console, { concurrency: 1, pollMs: 20 });
    runner.start();
    await runner.idle();
    await runner.close();
    const order = await api.store.db.selectFrom('tasks').select(['job_id', 'start_time']).orderBy('start_time').orderBy('id').execute();
    expect(order.map((t) => t.job_id)).toEqual([early, late, none]);
    for (const j of [late, none, early]) expect((await call('GET', `/datasources/${id}/jobs/${j}`)).status).toBe('DONE');
  });
});

describe('concurrency limits', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-limits-'));
  let api: TestApi;
  beforeAll(async () => {
    const db = new SqliteDatabase(join(dataDir, 'src.sqlite'));
    for (const t of ['t1', 't2', 't3', 't4']) {
      db.exec(`CREATE TABLE ${t} (id INTEGER, pad TEXT);
               WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO ${t} SELECT i, hex(randomblob(200)) FROM n;`);
    }
    db.close();
    api = await TestApi.start('sqlite', dataDir);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('never run more tasks against a data source than its maxConcurrentTasks', async () => {
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => (await api.call(method, mms(path), body)).body.data;
    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'limited', type: 'SQLITE', config: { source: { path: 'src.sqlite', options: { maxConcurrentTasks: 1 } } } });
    await call('POST', `/datasources/${id}/scans`);
    await api.app.scans.idle();
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'all', srcDbName: 'main' });
    const dataSources = new DataSourceService(api.store, api.secrets, api.sandbox);
    const runner = new Runner({ db: api.store.db, dialect: 'sqlite', dataSources, sandbox: api.sandbox, snapshots: new SnapshotRegistry(api.store.db, 'test', 2) }, console, { concurrency: 3, pollMs: 20 });
    runner.start();
    await runner.idle();
    await runner.close();
    expect((await call('GET', `/datasources/${id}/jobs/${jobId}`)).status).toBe('DONE');
    const spans = await api.store.db.selectFrom('tasks').select(['start_time', 'end_time']).where('job_id', '=', jobId).orderBy('start_time').execute();
    expect(spans).toHaveLength(4);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start_time!).toBeGreaterThanOrEqual(spans[i - 1]!.end_time!);
  });
});
