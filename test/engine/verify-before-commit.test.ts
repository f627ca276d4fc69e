import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SliceProbe } from '../../src/connectors/data.js';
import { mms, TestApi } from '../support/api.js';
import { mariadbLines, psqlLines } from '../support/cli-read.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { until } from '../support/processes.js';
import { createPgDatabase } from '../support/stores.js';

/**
 * Verify before commit: a chunk whose rows are changed in flight (a test hook, inside the load's
 * transaction, after the rows are written and before they are checked) fails its verification and
 * is rolled back — the destination, read with the engine's own client, holds every other chunk and
 * nothing of that one. Retried without the fault, the job ends DONE and exact.
 */

const ROWS = 40_000;
/** The chunks are [1, 10001), [10001, 20001) …: the fault hits the second. */
const [HIT_LO, HIT_HI] = [10_001, 20_001];
const SELECT = 'SELECT id, v, note FROM t ORDER BY id';

/** Changes every row of a written chunk that holds the id 15000; the rest are left alone. */
async function corrupt(written: SliceProbe): Promise<void> {
  const [[lo, hi]] = (await written.query(`SELECT min(id), max(id) FROM ${written.from}`)) as [[unknown, unknown]];
  if (!(Number(lo) <= 15_000 && 15_000 <= Number(hi))) return;
  const at = written.from.indexOf(' WHERE ');
  const [target, cond] = at === -1 ? [written.from, 'TRUE'] : [written.from.slice(0, at), written.from.slice(at + 7)];
  // RETURNING: SQLite's probe runs statements that return rows (MariaDB has no UPDATE … RETURNING, and needs none).
  await written.query(`UPDATE ${target} SET v = v + 1 WHERE ${cond}${written.dialect === 'mysql' ? '' : ' RETURNING id'}`);
}

interface Destination {
  config(dir: string): Record<string, unknown>;
  dstDb: string;
  /** `SELECT` over the copied table `t` as the engine's own client prints it. */
  lines(dir: string, select: string): Promise<string>;
  close(): Promise<void>;
}

async function duckLines(file: string, select: string): Promise<string> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const c = await instance.connect();
  try {
    await c.run('SET search_path = vbc');
    const rows = (await c.runAndReadAll(select)).getRows();
    return rows.map((r) => r.map((v) => (v === null ? '\\N' : String(v))).join('\t') + '\n').join('');
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

const destinations: [string, () => Promise<Destination>][] = [
  ['POSTGRESQL', async () => {
    const dst = await createPgDatabase('openmms_vbc_dst');
    return { config: () => ({ type: 'POSTGRESQL', ...dst.conn }), dstDb: 'vbc', lines: (_dir, select) => psqlLines(`${dst.url}?options=-c%20search_path%3Dvbc`, select), close: dst.drop };
  }],
  ['MYSQL', async () => {
    const dst = await createMariaDatabase('openmms_vbc_dst');
    return { config: () => ({ type: 'MYSQL', ...MARIADB, database: dst.name }), dstDb: dst.name, lines: (_dir, select) => mariadbLines(dst.name, select), close: dst.drop };
  }],
  ['SQLITE', async () => ({
    config: () => ({ type: 'SQLITE', path: 'vbc.sqlite' }),
    dstDb: 'vbc',
    lines: async (dir, select) => execFileSync('sqlite3', ['-readonly', '-batch', '-noheader', '-separator', '\t', '-nullvalue', '\\N', join(dir, 'vbc.sqlite'), select], { encoding: 'utf8', maxBuffer: 1024 ** 3 }),
    close: async () => {},
  })],
  // The file's catalog is named like the schema written in it (vbc): DuckDB needs every name qualified.
  // The file's catalog is named like the schema written in it (vbc): DuckDB needs every name qualified.
  ['DUCKDB', async () => ({ config: () => ({ type: 'DUCKDB', path: 'vbc.duckdb' }), dstDb: 'vbc', lines: (dir, select) => duckLines(join(dir, 'vbc.duckdb'), select), close: async () => {} })],
];

describe.each(destinations)('a chunk corrupted in flight to %s', (_type, open) => {
  let api: TestApi;
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Destination;
  let faulty = true;
  const dir = mkdtempSync(join(tmpdir(), 'openmms-vbc-'));
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await api.call(method, mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };

  beforeAll(async () => {
    [src, dst] = await Promise.all([createPgDatabase('openmms_vbc_src'), open()]);
    execFileSync('psql', [src.url, '-qX', '-c', `CREATE TABLE t (id bigint PRIMARY KEY, v int NOT NULL, note text); INSERT INTO t SELECT g, g % 97, md5(g::text) FROM generate_series(1, ${ROWS}) g`]);
    api = await TestApi.start('sqlite', dir, { runJobs: true, faults: { beforeCheck: async (written) => (faulty ? corrupt(written) : undefined) } });
  });
  afterAll(async () => {
    await api?.close();
    await src?.drop();
    await dst?.close();
  });

  it('is rolled back, the other chunks land; retried without the fault it lands too', async () => {
    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'vbc', type: 'POSTGRESQL', config: { source: src.conn, destination: dst.config(dir) } });
    await call('POST', `/datasources/${id}/scans`);
    await api.app.scans.idle();
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'vbc', srcDbName: 'public', dstDbName: dst.dstDb, others: { 'task.chunk.rows': 10_000 } });
    const job = () => call('GET', `/datasources/${id}/jobs/${jobId}`);
    await until(async () => ['DONE', 'FAILED'].includes((await job()).status));
    const tasks = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList;
    expect((await job()).status).toBe('FAILED');
    expect(tasks.map((t: any) => t.status).sort(), JSON.stringify(tasks.map((t: any) => t.errMsg))).toEqual(['DONE', 'DONE', 'DONE', 'VERIFICATION_FAILED']);
    const failed = tasks.find((t: any) => t.status === 'VERIFICATION_FAILED');
    expect(failed.errMsg).toMatch(/^verification failed for table t/);

    const want = await psqlLines(src.url, `SELECT id, v, note FROM t WHERE id < ${HIT_LO} OR id >= ${HIT_HI} ORDER BY id`);
    expect(await dst.lines(dir, SELECT)).toBe(want);
    // The throughput chart counts the rows that stayed: the chunk rolled back is taken out again.
    const charted = async () => {
      const t = await call('GET', `/datasources/${id}/jobs/${jobId}/throughput`);
      return Math.round(t.points.reduce((n: number, p: { rowsPerSecond: number }) => n + p.rowsPerSecond * t.bucketSeconds, 0));
    };
    expect(await charted()).toBe(ROWS - (HIT_HI - HIT_LO));

    faulty = false;
    await call('POST', `/datasources/${id}/tasks/${failed.id}/retry`);
    await until(async () => ['DONE', 'FAILED'].includes((await job()).status));
    expect((await job()).status).toBe('DONE');
    expect(await dst.lines(dir, SELECT)).toBe(await psqlLines(src.url, SELECT));
    expect(await charted()).toBe(ROWS);
  });
});
