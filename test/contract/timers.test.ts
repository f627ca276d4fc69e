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

/** Timers the MMS way, as the SDK calls them: a job template that each firing (tick or trigger) makes a job of, logged. */
describe.each<Scheme>(['v3', 'roa'])('the MMS timer calls, signed %s', (scheme) => {
  let api: TestApi;
  let call: SdkCall;
  let sourceId: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-contract-timers-'));

  beforeAll(async () => {
    execFileSync('sqlite3', [join(dataDir, 'source.sqlite'), 'CREATE TABLE sales (id INTEGER, amount TEXT); INSERT INTO sales VALUES (1, \'1.50\'); CREATE TABLE other (id INTEGER);']);
    ({ api, call } = await contractApi(dataDir, scheme, { timerPollMs: 3_600_000 }));
    sourceId = (await call('CreateMmsDataSource', 'POST', '/datasources', { body: { name: `timers-${scheme}`, type: 'SQLITE', config: { source: { path: 'source.sqlite' } } } })).body.data.dataSourceId;
    const { scanId } = (await call('CreateMmsFetchMetadataJob', 'POST', `/datasources/${sourceId}/scans`, { body: {} })).body.data;
    await until(async () => (await call('GetMmsFetchMetadataJob', 'GET', `/datasources/${sourceId}/scans/${scanId}`)).body.data.status === 'DONE');
  });
  afterAll(async () => api?.close());

  const timerJobs = async (timerId: number) => ok(await call('ListMmsJobs', 'GET', `/datasources/${sourceId}/jobs`, { query: { timerId } })).objectList;

  it('CreateMmsTimer with a job template; TriggerMmsTimer creates and starts a job from it; ListMmsTimerLogs records it', async () => {
    const { timerId } = ok(await call('CreateMmsTimer', 'POST', `/datasources/${sourceId}/timers`, {
      body: { name: 'daily-sales', sourceId, srcDbName: 'main', scheduleType: 'Daily', value: '02:00', tables: ['sales'], enableVerification: true },
    }));
    const timer = ok(await call('GetMmsTimer', 'GET', `/datasources/${sourceId}/timers/${timerId}`));
    conforms(timer, MODELS.Timer, 'GetMmsTimer');
    expect(timer).toMatchObject({ srcDbName: 'main', type: 'Tables', scheduleType: 'Daily', value: '02:00', stopped: false, config: { tables: ['sales'], enableVerification: true } });
    const listed = ok(await call('ListMmsTimers', 'GET', `/datasources/${sourceId}/timers`, { query: { srcDbName: 'main', srcTableName: 'sales', stopped: false, name: 'daily-sales' } }));
    conforms(listed, MODELS.Page, 'ListMmsTimers');
    for (const row of listed.objectList) conforms(row, MODELS.Timer, 'ListMmsTimers row');
    expect(listed.objectList.map((t: { id: number }) => t.id)).toEqual([timerId]);
    // Times as the reference gives them: GetMmsTimer's createTime in epoch milliseconds and its
    // updateTime in ISO 8601, the list's as yyyy-MM-dd HH:mm:ss; all the same moment.
    expect(timer.createTime).toMatch(/^\d{13}$/);
    expect(timer.updateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(listed.objectList[0].createTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(Math.floor(Number(timer.createTime) / 1000)).toBe(Date.parse(`${listed.objectList[0].createTime.replace(' ', 'T')}Z`) / 1000);

    expect(ok(await call('TriggerMmsTimer', 'POST', `/datasources/${sourceId}/timers/${timerId}/trigger`))).toBe(timerId);
    const [job] = await timerJobs(timerId);
    expect(job).toMatchObject({ srcDbName: 'main', type: 'Tables' });
    await until(async () => ok(await call('GetMmsJob', 'GET', `/datasources/${sourceId}/jobs/${job.id}`)).status === 'DONE');

    const logs = ok(await call('ListMmsTimerLogs', 'GET', `/datasources/${sourceId}/timers/${timerId}/logs`, { query: { pageNum: 1, pageSize: 10 } }));
    conforms(logs, MODELS.Page, 'ListMmsTimerLogs');
    const [line] = logs.objectList;
    conforms(line, MODELS.TimerLog, 'ListMmsTimerLogs row');
    expect(line).toMatchObject({ status: 'DONE', action: 'start job', sourceId });
    // Its id is the async task that created the job, as in MMS.
    expect(ok(await call('GetMmsAsyncTask', 'GET', `/datasources/${sourceId}/asyncTasks/${line.id}`))).toMatchObject({ type: 'TASK_CREATE', objectId: job.id });
  });

  it('each scheduled tick creates a job too; a firing that cannot create one is logged FAILED; UpdateMmsTimer stops it', async () => {
    const { timerId } = ok(await call('CreateMmsTimer', 'POST', `/datasources/${sourceId}/timers`, { body: { name: 'hourly', srcDbName: 'main', scheduleType: 'Hourly', value: '05', tables: ['other'] } }));
    await api.app.scheduler!.check(Date.now() + 2 * 3_600_000);
    const ticked = await timerJobs(timerId);
    expect(ticked.length).toBe(1);
    // Its copy reads the source file: done before the file is changed under it.
    await until(async () => ['DONE', 'FAILED'].includes(ok(await call('GetMmsJob', 'GET', `/datasources/${sourceId}/jobs/${ticked[0].id}`)).status));
    // The table is gone by the next tick: no job can be made of the template, and the log says why.
    execFileSync('sqlite3', [join(dataDir, 'source.sqlite'), 'DROP TABLE other']);
    await call('CreateMmsFetchMetadataJob', 'POST', `/datasources/${sourceId}/scans`, { body: {} });
    await api.app.scans.idle();
    await api.app.scheduler!.check(Date.now() + 4 * 3_600_000);
    const logs = ok(await call('ListMmsTimerLogs', 'GET', `/datasources/${sourceId}/timers/${timerId}/logs`)).objectList;
    expect(logs[0]).toMatchObject({ status: 'FAILED', action: 'start job', msg: expect.stringMatching(/other/) });
    expect(ok(await call('UpdateMmsTimer', 'PUT', `/datasources/${sourceId}/timers/${timerId}`, { body: { stopped: true } }))).toBe(timerId);
    expect(ok(await call('ListMmsTimers', 'GET', `/datasources/${sourceId}/timers`, { query: { stopped: true } })).objectList.map((t: { id: number }) => t.id)).toEqual([timerId]);
    expect(ok(await call('DeleteMmsTimer', 'DELETE', `/datasources/${sourceId}/timers/${timerId}`))).toBe(timerId);
  });

  it('refuses a template a job could not be made of, as CreateMmsJob would', async () => {
    const res = await call('CreateMmsTimer', 'POST', `/datasources/${sourceId}/timers`, { body: { name: 'bad', srcDbName: 'main', scheduleType: 'Daily', value: '01:00', tables: ['missing'] } });
    expect([res.status, res.body.code]).toEqual([400, 'InvalidParameter']);
  });
});
