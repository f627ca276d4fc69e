import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../support/stores.js';

type Db = Awaited<ReturnType<typeof createPgDatabase>>;

/** Starts `mms <args>` and resolves once it prints `ready`. */
async function mms(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve(m);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`mms ${args[0]} exited with ${code}: ${out}`)));
  });
  return { child, match };
}

describe('cluster mode', () => {
  let store: Db;
  let src: Db;
  let dst: Db;
  const children: ChildProcess[] = [];

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
    const alive = children.filter((child) => child.exitCode === null && child.signalCode === null);
    for (const child of alive) child.kill('SIGKILL');
    await Promise.all(alive.map((child) => once(child, 'exit')));
    await Promise.all([store?.drop(), src?.drop(), dst?.drop()]);
  });

  it('3 workers copy 120 partitions; a worker killed mid-copy, and one stopped, have their tasks finished by the last', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-cluster-'));
    const env = { OPENMMS_SECRET_KEY: randomBytes(32).toString('hex'), OPENMMS_LOG_LEVEL: 'warn', OPENMMS_STORE_URL: store.url, OPENMMS_DATA_DIR: dataDir };
    const api = await mms(['serve', '--port', '0'], env, /OpenMMS listening at (http:\/\/127\.0\.0\.1:\d+)/);
    children.push(api.child);
    const base = api.match[1]!;
    const workers: { child: ChildProcess; id: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await mms(['worker', '--concurrency', '2'], env, /OpenMMS worker (\S+) taking tasks/);
      children.push(w.child);
      workers.push({ child: w.child, id: w.match[1]! });
    }
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}/api/v1/mms${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
      const json = (await res.json()) as { data: any };
      expect(res.status, JSON.stringify(json)).toBe(200);
      return json.data;
    };
    const until = async (what: () => Promise<boolean>, seconds: number) => {
      for (let i = 0; i < seconds * 10; i++) {
        if (await what()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('timed out');
    };

    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'cl', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    const { scanId } = await call('POST', `/datasources/${id}/scans`);
    await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE', 60);
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'big', srcDbName: 's', dstDbName: 'copy', others: { 'task.partition.max.num': 5 } });

    // Kill the first worker seen holding a task.
    const storeDb = new pg.Client({ connectionString: store.url });
    await storeDb.connect();
    let victim: (typeof workers)[number] | undefined;
    await until(async () => {
      const { rows } = await storeDb.query(`SELECT lease_owner FROM tasks WHERE status = 'DOING' AND lease_owner IS NOT NULL`);
      victim = workers.find((w) => rows.some((r) => r.lease_owner === w.id));
      return victim !== undefined;
    }, 60);
    victim!.child.kill('SIGKILL');
    await once(victim!.child, 'exit');

    // Another worker asked to stop (SIGTERM) hands its tasks back at once: no lease to wait out.
    let polite: (typeof workers)[number] | undefined;
    await until(async () => {
      const { rows } = await storeDb.query(`SELECT lease_owner FROM tasks WHERE status = 'DOING' AND lease_owner IS NOT NULL`);
      polite = workers.find((w) => w !== victim && rows.some((r) => r.lease_owner === w.id));
      return polite !== undefined;
    }, 60);
    const asked = Date.now();
    polite!.child.kill('SIGTERM');
    await once(polite!.child, 'exit');
    expect(Date.now() - asked).toBeLessThan(20_000);
    const { rows: held } = await storeDb.query(`SELECT count(*)::int AS n FROM tasks WHERE lease_owner = $1`, [polite!.id]);
    expect(held[0].n).toBe(0);

    await until(async () => (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status === 'DONE', 150);
    const job = await call('GET', `/datasources/${id}/jobs/${jobId}`);
    expect(job).toMatchObject({ status: 'DONE', taskNum: 24, taskDone: 24 });
    const parts = await call('GET', `/datasources/${id}/partitions?tableName=big&status=DONE&pageSize=1`);
    expect(parts.total).toBe(120);
    await storeDb.end();

    const d = new pg.Client({ connectionString: dst.url });
    await d.connect();
    const { rows } = await d.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, sum(id)::text AS total FROM copy.big');
    await d.end();
    expect(rows[0]).toEqual({ n: 360000, ids: 360000, total: String((359999 * 360000) / 2) });
  }, 240_000);
});
