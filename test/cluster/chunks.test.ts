import { type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmsClient, SERVING, spawnMms, stopAll, until, WORKING } from '../support/processes.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

type Db = Awaited<ReturnType<typeof createPgDatabase>>;

const ROWS = 2_000_000;
const CHUNK_ROWS = 100_000;

/**
 * A big unpartitioned table in cluster mode: cut into chunks that two workers copy side by side in
 * one snapshot (exported by one, imported by the other); progress moves as chunks land; Stop keeps
 * the finished chunks and Start copies only the others.
 */
describe('a 2,000,000-row table without partitions, in chunks', () => {
  let store: Db;
  let src: Db;
  let dst: Db;
  let storeDb: pg.Client;
  const children: ChildProcess[] = [];
  const key = randomBytes(32).toString('hex');
  const env = () => ({ OPENMMS_SECRET_KEY: key, OPENMMS_LOG_LEVEL: 'warn', OPENMMS_LEASE_SECONDS: '6', OPENMMS_STORE_URL: store.url, OPENMMS_DATA_DIR: mkdtempSync(join(tmpdir(), 'openmms-chunks-')) });

  beforeAll(async () => {
    [store, src, dst] = await Promise.all([createPgDatabase('openmms_ch_store'), createPgDatabase('openmms_ch_src'), createPgDatabase('openmms_ch_dst')]);
    await pgQuery(src.url, `CREATE TABLE big (id bigint PRIMARY KEY, v int NOT NULL, note text);
      INSERT INTO big SELECT g, g % 7919, CASE WHEN g % 11 = 0 THEN NULL ELSE md5(g::text) END FROM generate_series(1, ${ROWS}) g;`);
  });
  afterAll(async () => {
    await storeDb?.end();
    await stopAll(children);
    await Promise.all([store?.drop(), src?.drop(), dst?.drop()]);
  });

  it('moves chunk by chunk on both workers; Stop at about half keeps what is done and Start copies only the rest', async () => {
    const api = await spawnMms(['serve', '--port', '0'], env(), SERVING);
    children.push(api.child);
    const call = mmsClient(api.match[1]!);
    const workers: string[] = [];
    for (let i = 0; i < 2; i++) {
      const w = await spawnMms(['worker', '--concurrency', '2'], env(), WORKING);
      children.push(w.child);
      workers.push(w.match[1]!);
    }
    storeDb = new pg.Client({ connectionString: store.url });
    await storeDb.connect();

    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'big', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    const { scanId } = await call('POST', `/datasources/${id}/scans`);
    await until(async () => (await call('GET', `/datasources/${id}/scans/${scanId}`)).status === 'DONE');
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'big', srcDbName: 'public', dstDbName: 'copy', others: { 'task.chunk.rows': CHUNK_ROWS } });
    const job = () => call('GET', `/datasources/${id}/jobs/${jobId}`);
    const tasks = async () => (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}&pageSize=100`)).objectList as { id: number; status: string; rows: number }[];
    const moved = async () => Number((await storeDb.query(`SELECT coalesce(sum(rows), 0) AS n FROM task_throughput WHERE job_id = $1`, [jobId])).rows[0].n);

    // Progress moves: chunks finish one by one (rows counted in the finished ones), on both workers.
    await until(async () => (await job()).taskNum > 0);
    expect((await job()).taskNum).toBe(ROWS / CHUNK_ROWS);
    const holders = new Set<string>();
    const seen = new Set<string>();
    await until(async () => {
      const [j, ts] = [await job(), await tasks()];
      const rows = ts.reduce((n, t) => n + t.rows, 0);
      if (j.taskDone > 0) seen.add(`${j.taskDone}/${rows}`);
      const { rows: held } = await storeDb.query(`SELECT DISTINCT lease_owner FROM tasks WHERE job_id = $1 AND status = 'DOING' AND lease_owner IS NOT NULL`, [jobId]);
      for (const h of held) holders.add(h.lease_owner);
      return j.taskDone >= j.taskNum * 0.4;
    });
    expect(seen.size).toBeGreaterThan(1);
    await until(async () => {
      const { rows: held } = await storeDb.query(`SELECT DISTINCT lease_owner FROM tasks WHERE job_id = $1 AND status = 'DOING' AND lease_owner IS NOT NULL`, [jobId]);
      for (const h of held) holders.add(h.lease_owner);
      return holders.size === 2 || (await job()).taskDone === ROWS / CHUNK_ROWS;
    });
    expect([...holders].sort()).toEqual([...workers].sort());

    await call('POST', `/datasources/${id}/jobs/${jobId}/stop`);
    await until(async () => (await tasks()).every((t) => !t.status.endsWith('_DOING')));
    const before = await tasks();
    const kept = before.filter((t) => t.status === 'DONE');
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(before.length);
    const movedBefore = await moved();
    // A stopped job holds nothing open at the source: its snapshot's holder lets it go.
    await until(async () => (await pgQuery(src.url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`))[0].n === 0);

    await call('POST', `/datasources/${id}/jobs/${jobId}/start`);
    await until(async () => ['DONE', 'FAILED'].includes((await job()).status));
    const after = await tasks();
    expect([(await job()).status, after.filter((t) => t.status !== 'DONE')]).toEqual(['DONE', []]);
    // The chunks done before Stop were not copied again: the second run read exactly the others' rows.
    const keptRows = kept.reduce((n, t) => n + t.rows, 0);
    expect(after.filter((t) => kept.some((k) => k.id === t.id)).map((t) => t.rows)).toEqual(kept.map((t) => t.rows));
    expect((await moved()) - movedBefore).toBe(ROWS - keptRows);
    // The second run read in the job's next snapshot, and said so.
    const { rows: epochs } = await storeDb.query(`SELECT DISTINCT snapshot_epoch FROM tasks WHERE job_id = $1 AND id <> ALL($2::bigint[])`, [jobId, kept.map((t) => t.id)]);
    expect(epochs).toEqual([{ snapshot_epoch: 2 }]);
    const { rows: notes } = await storeDb.query(`SELECT DISTINCT message FROM task_logs WHERE level = 'WARN' AND task_id <> ALL($1::bigint[])`, [kept.map((t) => t.id)]);
    // A worker may lose a snapshot mid-task (its holder's lease lapsed on a loaded machine): the task
    // is retried in the next one, and its log names it. A chunk its worker was copying or verifying
    // when Stop came says it was rolled back. No other warning.
    const said = notes.map((n) => n.message as string);
    expect(said).toContainEqual(expect.stringContaining("read in the job's snapshot number 2"));
    for (const m of said) expect(m).toMatch(/read in the job's snapshot number \d|^attempt \d+ failed, retrying: the job's snapshot \S+ ended while the task ran; it will read in a new one$|^stopped: the partition in flight was rolled back$/);

    // Both ends as PostgreSQL itself digests them, in slices of a million rows.
    const digest = (url: string, table: string) => pgQuery(url, `SELECT id / 1000000 AS slice, count(*)::int AS n, md5(string_agg(id || ':' || v || ':' || coalesce(note, '∅'), ',' ORDER BY id)) AS h FROM ${table} GROUP BY 1 ORDER BY 1`);
    const want = await digest(src.url, 'big');
    expect(await digest(dst.url, 'copy.big')).toEqual(want);
    expect(want.reduce((n, r) => n + r.n, 0)).toBe(ROWS);
  });
});
