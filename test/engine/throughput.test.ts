import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { STORE_KINDS } from '../support/stores.js';
import { addThroughput, runThroughput, THROUGHPUT_BUCKET_MS } from '../../src/store/throughput.js';

const ROWS = [1200, 700, 345];

describe.each(STORE_KINDS)('throughput of a job (%s store)', (kind) => {
  let api: TestApi;
  let sourceId: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-throughput-'));
  const get = async (path: string) => {
    const res = await api.call('GET', mms(path));
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };

  beforeAll(async () => {
    const db = new SqliteDatabase(join(dataDir, 'src.sqlite'));
    ROWS.forEach((n, i) => db.exec(`CREATE TABLE t${i} (id INTEGER, v TEXT); INSERT INTO t${i} WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ${n}) SELECT x, 'row ' || x FROM s`));
    db.close();
    api = await TestApi.start(kind, dataDir, { runJobs: true });
    sourceId = (await api.call('POST', mms('/datasources'), { name: 'src', type: 'SQLITE', config: { source: { path: 'src.sqlite' }, destination: { type: 'DUCKDB', path: 'out.duckdb' } } })).body.data.dataSourceId;
    await api.call('POST', mms(`/datasources/${sourceId}/scans`));
    await api.app.scans.idle();
  });
  afterAll(() => api?.close());

  it("adds up, point by point, to the rows of the job's latest run", async () => {
    const { jobId } = (await api.call('POST', mms(`/datasources/${sourceId}/jobs`), { name: 'all', srcDbName: 'main', increment: false })).body.data;
    await api.app.runner!.idle();
    const total = ROWS.reduce((a, b) => a + b, 0);
    const moved = (t: { bucketSeconds: number; points: { rowsPerSecond: number; bytesPerSecond: number }[] }) =>
      Math.round(t.points.reduce((n, p) => n + p.rowsPerSecond * t.bucketSeconds, 0));
    const first = await get(`/datasources/${sourceId}/jobs/${jobId}/throughput`);
    expect(first.bucketSeconds).toBe(THROUGHPUT_BUCKET_MS / 1000);
    expect(moved(first)).toBe(total);
    expect(first.points.every((p: { time: string; bytesPerSecond: number }) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(p.time) && p.bytesPerSecond >= 0)).toBe(true);

    // A second run is a series of its own.
    expect((await api.call('POST', mms(`/datasources/${sourceId}/jobs/${jobId}/start`))).status).toBe(200);
    await api.app.runner!.idle();
    expect(moved(await get(`/datasources/${sourceId}/jobs/${jobId}/throughput`))).toBe(total);
    const sum = await api.store.db.selectFrom('task_throughput').select((eb) => eb.fn.sum<number>('rows').as('n')).where('job_id', '=', jobId).executeTakeFirstOrThrow();
    expect(Number(sum.n)).toBe(2 * total);

    // Asked under a data source that is not the job's, it is not found.
    expect((await api.call('GET', mms(`/datasources/${sourceId + 1000}/jobs/${jobId}/throughput`))).status).toBe(404);
  });

  it('reads a long run in wider buckets, empty stretches as zeros, and each task at its current speed', async () => {
    const { jobId } = (await api.call('POST', mms(`/datasources/${sourceId}/jobs`), { name: 'synthetic', srcDbName: 'main', tables: ['t0', 't1'], increment: false })).body.data;
    await api.app.runner!.idle();
    const { db } = api.store;
    const job = await db.selectFrom('jobs').select('run').where('id', '=', jobId).executeTakeFirstOrThrow();
    const tasks = await db.selectFrom('tasks').select(['id', 'job_id']).where('job_id', '=', jobId).orderBy('id').execute();
    await db.deleteFrom('task_throughput').where('job_id', '=', jobId).execute();
    // An hour: task 1 moves 10 rows every bucket for the first half, nothing for a quarter, then task 2 goes on.
    const start = 1_800_000_000_000;
    const buckets = 3_600_000 / THROUGHPUT_BUCKET_MS;
    for (let i = 0; i < buckets; i++) {
      if (i < buckets / 2) await addThroughput(db, tasks[0]!, start + i * THROUGHPUT_BUCKET_MS, 10, 100);
      else if (i >= (3 * buckets) / 4) await addThroughput(db, tasks[1]!, start + i * THROUGHPUT_BUCKET_MS + 1, 5, 50);
    }
    // Two adds to one bucket are one point.
    await addThroughput(db, tasks[1]!, start + (buckets - 1) * THROUGHPUT_BUCKET_MS + 7, 5, 50);
    const now = start + buckets * THROUGHPUT_BUCKET_MS;
    const t = await runThroughput(db, jobId, job.run, now);
    expect(t.points.length).toBeLessThanOrEqual(150);
    expect(t.bucketMs % THROUGHPUT_BUCKET_MS).toBe(0);
    expect(t.points.reduce((n, p) => n + p.rows, 0)).toBe(10 * (buckets / 2) + 5 * (buckets / 4) + 5);
    expect(t.points.some((p) => p.rows === 0)).toBe(true);
    expect(t.points.map((p) => p.time)).toEqual(t.points.map((_, i) => start + i * t.bucketMs));
    // The last two whole buckets and the current one: only task 2 moved, 5 rows each and 5 more.
    expect(t.tasks).toEqual([{ taskId: tasks[1]!.id, rows: 15, bytes: 150 }]);
  });
});

describe('throughput of a slice in flight', () => {
  it('shows on the chart while the slice is copied, before it commits; kept once it commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openmms-inflight-'));
    const db = new SqliteDatabase(join(dir, 'src.sqlite'));
    db.exec(`CREATE TABLE big (id INTEGER, v TEXT); INSERT INTO big WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 5000) SELECT x, 'row ' || x FROM s`);
    db.close();
    // The slice's rows are written and held, uncommitted, until the test has looked at the chart.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding = false;
    const api = await TestApi.start('sqlite', dir, { runJobs: true, faults: { beforeCheck: async () => ((holding = true), await held) } });
    try {
      const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => (await api.call(method, mms(path), body)).body.data;
      const { dataSourceId: id } = await call('POST', '/datasources', { name: 'src', type: 'SQLITE', config: { source: { path: 'src.sqlite' }, destination: { type: 'DUCKDB', path: 'out.duckdb' } } });
      await call('POST', `/datasources/${id}/scans`);
      await api.app.scans.idle();
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'big', srcDbName: 'main', increment: false });
      const moved = async () => {
        const t = await call('GET', `/datasources/${id}/jobs/${jobId}/throughput`);
        return Math.round(t.points.reduce((n: number, p: { rowsPerSecond: number }) => n + p.rowsPerSecond * t.bucketSeconds, 0));
      };
      await expect.poll(() => holding).toBe(true);
      await expect.poll(moved).toBe(5000);
      expect((await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList.map((t: { rows: number }) => t.rows)).toEqual([0]);
      release();
      await api.app.runner!.idle();
      expect((await call('GET', `/datasources/${id}/jobs/${jobId}`)).status).toBe('DONE');
      expect(await moved()).toBe(5000);
    } finally {
      release();
      await api.close();
    }
  });
});
