import { type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmsClient, SERVING, spawnMms, stopAll, until, WORKING } from '../support/processes.js';

const WORKING_WITH_METRICS = /OpenMMS worker (\S+) taking tasks; metrics at (http:\S+)/;
import { createPgDatabase } from '../support/stores.js';

type Db = Awaited<ReturnType<typeof createPgDatabase>>;

describe('cluster mode', () => {
  let store: Db;
  let src: Db;
  let dst: Db;
  const children: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-cluster-'));
  const env = () => ({ OPENMMS_SECRET_KEY: key, OPENMMS_LOG_LEVEL: 'warn', OPENMMS_LEASE_SECONDS: '6', OPENMMS_STORE_URL: store.url, OPENMMS_DATA_DIR: dataDir });
  const key = randomBytes(32).toString('hex');

  beforeAll(async () => {
    [store, src, dst] = await Promise.all([createPgDatabase('openmms_cl_store'), createPgDatabase('openmms_cl_src'), createPgDatabase('openmms_cl_dst')]);
    const c = new pg.Client({ connectionString: src.url });
    await c.connect();
    const parts = Array.from({ length: 120 }, (_, i) => `CREATE TABLE s.big_${i} PARTITION OF s.big FOR VALUES FROM (${i * 3000}) TO (${(i + 1) * 3000});`).join('\n');
    await c.query(`CREATE SCHEMA s; CREATE TABLE s.big (id bigint, pad text) PARTITION BY RANGE (id); ${parts}
                   INSERT INTO s.big SELECT g, repeat('p', 200) FROM generate_series(0, 359999) g;`);
    await c.end();
  });
  afterAll(async () => {
    await stopAll(children);
    await Promise.all([store?.drop(), src?.drop(), dst?.drop()]);
  });

  it('3 workers copy 120 partitions; a worker killed mid-copy, and one stopped, have their tasks finished by the last', async () => {
    const api = await spawnMms(['serve', '--port', '0'], env(), SERVING);
    children.push(api.child);
    const call = mmsClient(api.match[1]!);
    const workers: { child: ChildProcess; id: string; metrics: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await spawnMms(['worker', '--concurrency', '2', '--metrics-port', '0'], env(), WORKING_WITH_METRICS);
      children.push(w.child);
      workers.push({ child: w.child, id: w.match[1]!, metrics: w.match[2]! });
    }

    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'cl', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    const { scanId } = await call('POST', `/datasources/${id}/scans`);
    await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE');
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'big', srcDbName: 's', dstDbName: 'copy', others: { 'task.partition.max.num': 5 } });

    const storeDb = new pg.Client({ connectionString: store.url });
    await storeDb.connect();
    const holding = async (candidates: typeof workers) => {
      let found: (typeof workers)[number] | undefined;
      await until(async () => {
        const { rows } = await storeDb.query(`SELECT lease_owner, lease_until FROM tasks WHERE status = 'DOING' AND lease_owner IS NOT NULL`);
        found = candidates.find((w) => rows.some((r) => r.lease_owner === w.id));
        // The workers lease for OPENMMS_LEASE_SECONDS (6 here), not the default 15.
        for (const r of rows) expect(Number(r.lease_until) - Date.now()).toBeLessThanOrEqual(6_000);
        return found !== undefined;
      });
      return found!;
    };
    // Kill the first worker seen holding a task.
    const victim = await holding(workers);
    victim.child.kill('SIGKILL');
    await once(victim.child, 'exit');

    // Another worker asked to stop (SIGTERM) hands its tasks back at once: no lease to wait out.
    const polite = await holding(workers.filter((w) => w !== victim));
    const asked = Date.now();
    polite.child.kill('SIGTERM');
    await once(polite.child, 'exit');
    expect(Date.now() - asked).toBeLessThan(20_000);
    const { rows: held } = await storeDb.query(`SELECT count(*)::int AS n FROM tasks WHERE lease_owner = $1`, [polite.id]);
    expect(held[0].n).toBe(0);

    await until(async () => (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status === 'DONE').catch(async (err) => {
      const { rows } = await storeDb.query('SELECT id, status, lease_owner, lease_until, attempts, err_msg, partitions_done FROM tasks ORDER BY id');
      console.log(JSON.stringify({ now: Date.now(), job: await call('GET', `/datasources/${id}/jobs/${jobId}`), rows }, null, 1).slice(0, 6000));
      throw err;
    });
    const final = await call('GET', `/datasources/${id}/jobs/${jobId}`);
    const { rows: taskStates } = await storeDb.query('SELECT status, count(*)::int AS n FROM tasks GROUP BY status');
    expect({ ...final, config: undefined, taskStates }).toMatchObject({ status: 'DONE', taskNum: 24, taskDone: 24 });
    expect((await call('GET', `/datasources/${id}/partitions?tableName=big&status=DONE&pageSize=1`)).total).toBe(120);
    await storeDb.end();

    const d = new pg.Client({ connectionString: dst.url });
    await d.connect();
    const { rows } = await d.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, sum(id)::text AS total FROM copy.big');
    await d.end();
    expect(rows[0]).toEqual({ n: 360000, ids: 360000, total: String((359999 * 360000) / 2) });

    // The surviving worker's metrics: what it copied itself, and the cluster-wide queue from the store.
    const survivor = workers.find((w) => w !== victim && w !== polite)!;
    const metrics = await (await fetch(survivor.metrics)).text();
    const copied = Number(/^openmms_slices_copied_total\{source_type="POSTGRESQL",destination_type="POSTGRESQL"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThanOrEqual(120);
    expect(metrics).toMatch(/^openmms_tasks\{status="DONE"\} 24$/m);
    expect(metrics).toMatch(/^openmms_queue_depth 0$/m);
  });

  it('a fast timer starts its job once per tick with two API processes running', async () => {
    mkdirSync(join(dataDir, 'files'), { recursive: true }); // the default file root of every process
    const db = new SqliteDatabase(join(dataDir, 'files', 'tiny.sqlite'));
    db.exec('CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1), (2)');
    db.close();
    const apis = [await spawnMms(['serve', '--port', '0'], env(), SERVING), await spawnMms(['serve', '--port', '0'], env(), SERVING)];
    const worker = await spawnMms(['worker'], env(), WORKING);
    children.push(...apis.map((a) => a.child), worker.child);
    const call = mmsClient(apis[0]!.match[1]!);
    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'tiny', type: 'SQLITE', config: { source: { path: 'tiny.sqlite' }, destination: { type: 'DUCKDB', path: 'tiny.duckdb' } } });
    const { scanId } = await call('POST', `/datasources/${id}/scans`);
    await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE');
    const { timerId } = await call('POST', `/datasources/${id}/timers`, { scheduleType: 'Cron', value: '*/3 * * * * *' });
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'ticking', srcDbName: 'main', timerId });
    const s = new pg.Client({ connectionString: store.url });
    await s.connect();
    // Three ticks fired (by whichever API process), then the timer is held.
    await until(async () => Number((await s.query('SELECT count(*) AS n FROM timer_fires WHERE timer_id = $1', [timerId])).rows[0].n) >= 3);
    await call('PUT', `/datasources/${id}/timers/${timerId}`, { stopped: true });
    // A tick claimed before the stop may still be firing: it records the runs it started once they
    // started. Every run the job had is then one a tick recorded (a run started twice never would be).
    const state = async () => ({
      fires: (await s.query('SELECT tick, jobs_started FROM timer_fires WHERE timer_id = $1 ORDER BY tick', [timerId])).rows,
      job: (await s.query('SELECT run, status FROM jobs WHERE id = $1', [jobId])).rows[0],
    });
    await until(async () => {
      const { fires, job } = await state();
      return job.status === 'DONE' && job.run - 1 === fires.reduce((n: number, f: { jobs_started: number }) => n + f.jobs_started, 0);
    });
    const { fires, job } = await state();
    await s.end();
    expect(fires.length).toBeGreaterThanOrEqual(2);
    // Ticks 3 s apart, each recorded once, and each started the job at most once.
    for (let i = 1; i < fires.length; i++) expect(Number(fires[i]!.tick) - Number(fires[i - 1]!.tick)).toBeGreaterThanOrEqual(3000);
    expect(fires.every((f: { jobs_started: number }) => f.jobs_started <= 1)).toBe(true);
    expect(job.run).toBeGreaterThan(1);
  });

  it('two workers write one DuckDB file and one SQLite file a table at a time: 20 tables each, DONE and exact, no collision retried', async () => {
    const TABLES = 20;
    mkdirSync(join(dataDir, 'files'), { recursive: true });
    const source = new SqliteDatabase(join(dataDir, 'files', 'many.sqlite'));
    for (let i = 0; i < TABLES; i++) source.exec(`CREATE TABLE t${i} (id INTEGER, v TEXT); INSERT INTO t${i} WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ${300 + i}) SELECT x, 'row ' || x FROM s`);
    source.close();
    const api = await spawnMms(['serve', '--port', '0'], env(), SERVING);
    children.push(api.child);
    for (let i = 0; i < 2; i++) children.push((await spawnMms(['worker', '--concurrency', '4'], env(), WORKING)).child);
    const call = mmsClient(api.match[1]!);

    const jobs: { id: number; jobId: number; engine: string; file: string }[] = [];
    for (const [engine, file] of [['DUCKDB', 'many.duckdb'], ['SQLITE', 'many-out.sqlite']]) {
      const { dataSourceId: id } = await call('POST', '/datasources', { name: `many-${engine}`, type: 'SQLITE', config: { source: { path: 'many.sqlite' }, destination: { type: engine, path: file } } });
      const { scanId } = await call('POST', `/datasources/${id}/scans`);
      await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE');
      const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'all', srcDbName: 'main', increment: false });
      jobs.push({ id, jobId, engine: engine!, file: file! });
    }
    for (const j of jobs) {
      await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${j.id}/jobs/${j.jobId}`)).status));
      // Taking turns across the workers, not colliding and retrying (a task that did says why).
      const tasks = (await call('GET', `/datasources/${j.id}/tasks?jobId=${j.jobId}&pageSize=100`)).objectList;
      expect(tasks.filter((t: { attempts: number; errMsg: string | null }) => t.attempts > 0 || t.errMsg).map((t: { srcTableName: string; errMsg: string | null }) => `${t.srcTableName}: ${t.errMsg}`)).toEqual([]);
      expect(await call('GET', `/datasources/${j.id}/jobs/${j.jobId}`)).toMatchObject({ status: 'DONE', taskNum: TABLES, taskDone: TABLES });
    }

    // Read back by the engines: every table with every row.
    const want = Object.fromEntries(Array.from({ length: TABLES }, (_, i) => [`t${i}`, 300 + i]));
    const out = new SqliteDatabase(join(dataDir, 'files', 'many-out.sqlite'), { readonly: true });
    const sqliteCounts = Object.fromEntries(Object.keys(want).map((t) => [t, (out.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
    out.close();
    expect(sqliteCounts).toEqual(want);
    const { openDuck } = await import('../../src/connectors/duckdb/connect.js');
    const duck = await openDuck(join(dataDir, 'files', 'many.duckdb'), { readOnly: true });
    const duckCounts: Record<string, number> = {};
    for (const t of Object.keys(want)) duckCounts[t] = Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM main.${t}`))[0]!.n);
    duck.close();
    expect(duckCounts).toEqual(want);
  });

  it('a worker killed during a metadata scan: another worker takes the scan over and finishes it', async () => {
    await stopAll(children.splice(0));
    const wide = await createPgDatabase('openmms_cl_wide');
    try {
      const c = new pg.Client({ connectionString: wide.url });
      await c.connect();
      await c.query(`CREATE SCHEMA w; DO $$ BEGIN FOR i IN 1..400 LOOP EXECUTE format('CREATE TABLE w.t%s (id int, v text)', i); END LOOP; END $$;`);
      await c.end();
      const api = await spawnMms(['serve', '--port', '0'], env(), SERVING);
      const workers = [await spawnMms(['worker'], env(), WORKING), await spawnMms(['worker'], env(), WORKING)];
      children.push(api.child, ...workers.map((w) => w.child));
      const call = mmsClient(api.match[1]!);
      const { dataSourceId: id } = await call('POST', '/datasources', { name: 'wide', type: 'POSTGRESQL', config: { source: wide.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } });
      const { scanId } = await call('POST', `/datasources/${id}/scans`);

      const s = new pg.Client({ connectionString: store.url });
      await s.connect();
      let victim: (typeof workers)[number] | undefined;
      await until(async () => {
        const { rows } = await s.query(`SELECT lease_owner FROM scans WHERE id = $1 AND status = 'DOING'`, [scanId]);
        victim = workers.find((w) => w.match[1] === rows[0]?.lease_owner);
        return victim !== undefined;
      });
      victim!.child.kill('SIGKILL');
      await once(victim!.child, 'exit');
      expect((await call('GET', `/datasources/${id}/scans/${scanId}`)).status).toBe('DOING');

      await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${id}/scans/${scanId}`)).status));
      expect(await call('GET', `/datasources/${id}/scans/${scanId}`)).toMatchObject({ status: 'DONE', errorMsg: null });
      const { rows } = await s.query('SELECT lease_owner FROM scans WHERE id = $1', [scanId]);
      await s.end();
      expect(rows[0].lease_owner).toBeNull();
      expect((await call('GET', `/datasources/${id}/tables?dbName=w&pageSize=1`)).total).toBe(400);
    } finally {
      await wide.drop();
    }
  });
});
