import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApi } from '../support/api.js';
import { until } from '../support/processes.js';
import { MODELS } from './models.js';
import { conforms, contractApi, ok } from './harness.js';
import type { Scheme, SdkCall } from './sdk-client.js';

/**
 * The contract, as a user of the official SDK meets it: over HTTP, signed as the SDK signs (V3 and
 * ROA), with its query encodings, every answer checked against the reference's models. This file:
 * data source update, metadata fetch, the job and task calls, async tasks and task logs.
 */
describe.each<Scheme>(['v3', 'roa'])('the MMS job and task calls, signed %s', (scheme) => {
  let api: TestApi;
  let call: SdkCall;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-contract-'));

  beforeAll(async () => {
    execFileSync('sqlite3', [join(dataDir, 'source.sqlite'), `CREATE TABLE good (id INTEGER, name TEXT); INSERT INTO good VALUES (1, 'a'), (2, 'b');
      CREATE TABLE bad (id INTEGER, r REAL); INSERT INTO bad VALUES (1, 1.5), (2, 'not a number');`]);
    ({ api, call } = await contractApi(dataDir, scheme));
  });
  afterAll(async () => api?.close());

  const isInteger = (v: unknown) => expect(Number.isInteger(v), JSON.stringify(v)).toBe(true);

  let sourceId: number;
  const job = (id: number) => call('GetMmsJob', 'GET', `/datasources/${sourceId}/jobs/${id}`);
  const settled = async (id: number, status: string) => {
    await until(async () => ok(await job(id)).status === status);
    return ok(await job(id));
  };
  /** CreateMmsJob, then the job through its TASK_CREATE async task, as MMS clients find it. */
  const createJob = async (body: object) => {
    const { asyncTaskId } = ok(await call('CreateMmsJob', 'POST', `/datasources/${sourceId}/jobs`, { body }));
    isInteger(asyncTaskId);
    const task = ok(await call('GetMmsAsyncTask', 'GET', `/datasources/${sourceId}/asyncTasks/${asyncTaskId}`));
    conforms(task, MODELS.AsyncTask, 'GetMmsAsyncTask');
    expect(task).toMatchObject({ type: 'TASK_CREATE', status: 'DONE', running: false, sourceId });
    return task.objectId as number;
  };

  it('CreateMmsDataSource, then UpdateMmsDataSource answers {sourceId, asyncTaskId} and GetMmsAsyncTask reads it', async () => {
    const created = ok(await call('CreateMmsDataSource', 'POST', '/datasources', {
      body: { name: `contract-${scheme}`, type: 'SQLITE', config: { source: { path: 'source.sqlite' }, destination: { type: 'DUCKDB', path: `copy-${scheme}.duckdb` } } },
    }));
    sourceId = created.dataSourceId;
    isInteger(sourceId);
    const updated = ok(await call('UpdateMmsDataSource', 'PUT', `/datasources/${sourceId}`, { body: { name: `contract-${scheme}-renamed` } }));
    expect(updated).toEqual({ sourceId, asyncTaskId: expect.any(Number) });
    const task = ok(await call('GetMmsAsyncTask', 'GET', `/datasources/${sourceId}/asyncTasks/${updated.asyncTaskId}`));
    conforms(task, MODELS.AsyncTask, 'GetMmsAsyncTask');
    expect(task).toMatchObject({ type: 'UPDATE_DATASOURCE', objectId: sourceId, status: 'DONE' });
  });

  it('CreateMmsFetchMetadataJob and GetMmsFetchMetadataJob polled to the end: result is JSON text', async () => {
    const { scanId } = ok(await call('CreateMmsFetchMetadataJob', 'POST', `/datasources/${sourceId}/scans`, { body: {} }));
    isInteger(scanId);
    const scan = async () => ok(await call('GetMmsFetchMetadataJob', 'GET', `/datasources/${sourceId}/scans/${scanId}`));
    await until(async () => (await scan()).status === 'DONE');
    const done = await scan();
    conforms(done, MODELS.Scan, 'GetMmsFetchMetadataJob');
    expect(done.progress).toBe(10000);
    expect(typeof done.result).toBe('string');
    expect(JSON.parse(done.result)).toMatchObject({ tables: 2 });
  });

  it('CreateMmsJob → GetMmsAsyncTask → the job runs by itself; GetMmsJob, ListMmsJobs, ListMmsTasks, GetMmsTask, ListMmsTaskLogs', async () => {
    const id = await createJob({ name: 'good', srcDbName: 'main', tables: ['good'] });
    conforms(await settled(id, 'DONE'), MODELS.Job, 'GetMmsJob');

    const jobs = ok(await call('ListMmsJobs', 'GET', `/datasources/${sourceId}/jobs`, { query: { 'sorter.status': 'desc', stopped: 0, pageNum: 1, pageSize: 10 } }));
    conforms(jobs, MODELS.Page, 'ListMmsJobs');
    for (const j of jobs.objectList) conforms(j, MODELS.Job, 'ListMmsJobs row');
    expect(jobs.objectList.map((j: { id: number }) => j.id)).toContain(id);

    const tasks = ok(await call('ListMmsTasks', 'GET', `/datasources/${sourceId}/tasks`, { query: { jobName: 'good', srcDbName: 'main', dstDbName: 'main', 'sorter.startTime': 'desc', 'sorter.status': 'asc', pageNum: 1, pageSize: 10 } }));
    conforms(tasks, MODELS.Page, 'ListMmsTasks');
    expect(tasks.total).toBe(1);
    const [task] = tasks.objectList;
    conforms(task, MODELS.Task, 'ListMmsTasks row');
    expect(task).toMatchObject({ jobId: id, srcTableName: 'good', status: 'DONE', running: false, retriedTimes: 0, sourceName: `contract-${scheme}-renamed` });
    conforms(ok(await call('GetMmsTask', 'GET', `/datasources/${sourceId}/tasks/${task.id}`)), MODELS.Task, 'GetMmsTask');

    const logs = ok(await call('ListMmsTaskLogs', 'GET', `/datasources/${sourceId}/tasks/${task.id}/logs`));
    expect(Array.isArray(logs)).toBe(true);
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) conforms(line, MODELS.TaskLog, 'ListMmsTaskLogs item');
    expect(logs[0]).toMatchObject({ taskId: task.id, sourceId });
  });

  it('RetryMmsTask, RetryMmsJob, StopMmsJob, StartMmsJob and DeleteMmsJob (POST) answer integers; a deleted job is a 404 envelope', async () => {
    const id = await createJob({ name: 'bad', srcDbName: 'main', tables: ['bad'] });
    await settled(id, 'FAILED');
    const [task] = ok(await call('ListMmsTasks', 'GET', `/datasources/${sourceId}/tasks`, { query: { jobId: id, status: 'DATA_FAILED' } })).objectList;
    expect([task.status, task.retriedTimes]).toEqual(['DATA_FAILED', 0]);
    const retried = async () => ok(await call('GetMmsTask', 'GET', `/datasources/${sourceId}/tasks/${task.id}`)).retriedTimes;

    // Each run of the task ends in one FAILED log line: the retry is a second run (the value is still
    // not a number, so it fails again, honestly).
    const failures = async () => ok(await call('ListMmsTaskLogs', 'GET', `/datasources/${sourceId}/tasks/${task.id}/logs`)).filter((l: { status: string }) => l.status === 'DATA_FAILED').length;
    expect(await failures()).toBe(1);
    isInteger(ok(await call('RetryMmsTask', 'POST', `/datasources/${sourceId}/tasks/${task.id}/retry`)));
    await until(async () => (await failures()) === 2);
    await settled(id, 'FAILED');
    expect(await retried()).toBe(1);
    expect(ok(await call('RetryMmsJob', 'POST', `/datasources/${sourceId}/jobs/${id}/retry`))).toBe(id);
    await until(async () => (await failures()) === 3);
    await settled(id, 'FAILED');
    expect(await retried()).toBe(2);

    expect(ok(await call('StopMmsJob', 'POST', `/datasources/${sourceId}/jobs/${id}/stop`))).toBe(id);
    expect(ok(await job(id)).stopped).toBe(true);
    expect(ok(await call('StartMmsJob', 'POST', `/datasources/${sourceId}/jobs/${id}/start`))).toBe(id);
    expect(ok(await call('StopMmsJob', 'POST', `/datasources/${sourceId}/jobs/${id}/stop`))).toBe(id);

    expect(ok(await call('DeleteMmsJob', 'POST', `/datasources/${sourceId}/jobs/${id}`))).toBe(id);
    const gone = await job(id);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ requestId: expect.any(String), code: expect.any(String), message: expect.any(String) });
  });
});
