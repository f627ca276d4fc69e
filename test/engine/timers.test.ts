import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { mms, TestApi } from '../support/api.js';
import { createTestStore, type TestStore } from '../support/stores.js';

describe('timers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-timers-'));
  let shared: TestStore;
  let a: TestApi;
  let b: TestApi;
  let sourceId: number;
  const call = async (api: TestApi, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => {
    const res = await api.call(method, mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };

  beforeAll(async () => {
    const db = new SqliteDatabase(join(dataDir, 'src.sqlite'));
    db.exec(`CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1), (2), (3);`);
    db.close();
    // Two API processes on one PostgreSQL store, each with its own pool and timer scheduler; A also runs jobs.
    shared = await createTestStore('postgres');
    const second = { ...shared, store: await openStore(shared.url), drop: async () => {} };
    const hour = 3_600_000; // schedulers check only when the test says so
    a = await TestApi.start('postgres', dataDir, { store: shared, runJobs: true, timerPollMs: hour });
    b = await TestApi.start('postgres', dataDir, { store: second, timerPollMs: hour, secrets: a.secrets });
    sourceId = (await call(a, 'POST', '/datasources', { name: 'timed', type: 'SQLITE', config: { source: { path: 'src.sqlite' } } })).dataSourceId;
    await call(a, 'POST', `/datasources/${sourceId}/scans`);
    await a.app.scans.idle();
  });
  afterAll(async () => {
    await b?.close();
    await b?.store.close();
    await a?.close();
    await shared?.drop();
  });

  it('are created, listed, updated and deleted, with clear errors for bad schedules', async () => {
    const bad: [unknown, RegExp][] = [
      [{ scheduleType: 'Daily', value: '25:00' }, /a Daily timer runs at HH:MM \(00:00 to 23:59\), not '25:00'/],
      [{ scheduleType: 'Hourly', value: '61' }, /an Hourly timer runs at minute MM/],
      [{ scheduleType: 'Cron', value: 'every day' }, /'every day' is not a cron expression/],
      [{ scheduleType: 'Daily', value: '09:30', timezone: 'Mars/Olympus' }, /'Mars\/Olympus' is not an IANA time zone/],
      [{ scheduleType: 'Weekly', value: '1' }, /parameter 'body.scheduleType' must be equal to one of the allowed values: Daily, Hourly, Cron/],
    ];
    for (const [body, message] of bad) {
      const res = await a.call('POST', mms(`/datasources/${sourceId}/timers`), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toMatch(message);
    }
    const { timerId } = await call(a, 'POST', `/datasources/${sourceId}/timers`, { name: 'nightly', scheduleType: 'Daily', value: '02:30', timezone: 'Asia/Shanghai' });
    expect(await call(b, 'GET', `/datasources/${sourceId}/timers/${timerId}`)).toMatchObject({ id: timerId, name: 'nightly', scheduleType: 'Daily', value: '02:30', timezone: 'Asia/Shanghai', stopped: false });
    await call(a, 'PUT', `/datasources/${sourceId}/timers/${timerId}`, { value: '03:00', stopped: true });
    expect(await call(a, 'GET', `/datasources/${sourceId}/timers/${timerId}`)).toMatchObject({ value: '03:00', stopped: true });
    expect((await call(a, 'GET', `/datasources/${sourceId}/timers`)).total).toBe(1);

    const { jobId } = await call(a, 'POST', `/datasources/${sourceId}/jobs`, { name: 'on-timer', srcDbName: 'main', timerId });
    expect((await call(a, 'GET', `/datasources/${sourceId}/jobs?timerId=${timerId}`)).objectList.map((j: any) => j.id)).toEqual([jobId]);
    const wrong = await a.call('POST', mms(`/datasources/${sourceId}/jobs`), { name: 'bad-timer', srcDbName: 'main', timerId: 99999 });
    expect(wrong.body.message).toBe(`timerId: data source ${sourceId} has no timer 99999`);
    await call(a, 'DELETE', `/datasources/${sourceId}/timers/${timerId}`);
    expect((await call(a, 'GET', `/datasources/${sourceId}/jobs?timerId=${timerId}`)).total).toBe(0);
    await a.app.runner!.idle();
    await call(a, 'DELETE', `/datasources/${sourceId}/jobs/${jobId}`);
  });

  it("take a changed template: the next firing's job verifies or not as the timer now says", async () => {
    const { timerId } = await call(a, 'POST', `/datasources/${sourceId}/timers`, { name: 'templated', srcDbName: 'main', scheduleType: 'Hourly', value: '20', dstDbName: 'timed_out' });
    await call(a, 'PUT', `/datasources/${sourceId}/timers/${timerId}`, { enableVerification: false, tableWhiteList: ['t'] });
    expect((await call(a, 'GET', `/datasources/${sourceId}/timers/${timerId}`)).config).toMatchObject({ enableVerification: false, tableWhiteList: ['t'], dstDbName: 'timed_out' });
    await call(a, 'POST', `/datasources/${sourceId}/timers/${timerId}/trigger`);
    await a.app.runner!.idle();
    const [job] = (await call(a, 'GET', `/datasources/${sourceId}/jobs?timerId=${timerId}`)).objectList;
    expect([job.status, job.config.enableVerification, job.config.tableWhiteList]).toEqual(['DONE', false, ['t']]);
    await call(a, 'DELETE', `/datasources/${sourceId}/timers/${timerId}`);
    await call(a, 'DELETE', `/datasources/${sourceId}/jobs/${job.id}`);
  });

  it('fire once per tick with two API processes checking at the same moments', async () => {
    const { timerId } = await call(a, 'POST', `/datasources/${sourceId}/timers`, { scheduleType: 'Cron', value: '*/10 * * * * *' });
    expect(await call(a, 'GET', `/datasources/${sourceId}/timers/${timerId}`)).toMatchObject({ lastTick: null, nextTick: expect.stringMatching(/\d0$/) });
    const { jobId } = await call(a, 'POST', `/datasources/${sourceId}/jobs`, { name: 'every-10s', srcDbName: 'main', timerId });
    await a.app.runner!.idle();
    const job = () => call(a, 'GET', `/datasources/${sourceId}/jobs/${jobId}`);
    expect(await job()).toMatchObject({ status: 'DONE' });
    const { run: firstRun } = (await a.store.db.selectFrom('jobs').select('run').where('id', '=', jobId).executeTakeFirstOrThrow());

    // Three ticks; at each, both processes check at once, several times.
    const start = Math.ceil(Date.now() / 10_000) * 10_000;
    for (let k = 0; k < 3; k++) {
      const now = start + k * 10_000 + 1;
      await Promise.all([a.app.scheduler!.check(now), b.app.scheduler!.check(now), a.app.scheduler!.check(now + 5), b.app.scheduler!.check(now + 5)]);
      await a.app.runner!.idle();
    }
    const fires = await a.store.db.selectFrom('timer_fires').selectAll().where('timer_id', '=', timerId).orderBy('tick').execute();
    expect(fires.map((f) => f.tick)).toEqual([start, start + 10_000, start + 20_000]);
    // GetMmsTimer's lastTick is the latest tick that fired (null until one has).
    expect((await call(a, 'GET', `/datasources/${sourceId}/timers/${timerId}`)).lastTick).toBe(new Date(start + 20_000).toISOString().slice(0, 19).replace('T', ' '));
    expect(fires.map((f) => f.jobs_started)).toEqual([1, 1, 1]);
    const { run } = await a.store.db.selectFrom('jobs').select('run').where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(run - firstRun).toBe(3);
    expect(await job()).toMatchObject({ status: 'DONE' });

    // Down for a minute: only the latest missed tick fires, once.
    await Promise.all([a.app.scheduler!.check(start + 80_001), b.app.scheduler!.check(start + 80_001)]);
    const after = await a.store.db.selectFrom('timer_fires').select('tick').where('timer_id', '=', timerId).orderBy('tick').execute();
    expect(after.map((f) => f.tick).slice(3)).toEqual([start + 80_000]);
  });
});
