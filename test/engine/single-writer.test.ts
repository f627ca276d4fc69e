import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { STORE_KINDS } from '../support/stores.js';

const TABLES = 12;

/** Row counts of every table of a file, read by the engine's own command-line client. */
async function countsByEngine(engine: 'DUCKDB' | 'SQLITE', file: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (engine === 'SQLITE') {
    const db = new SqliteDatabase(file, { readonly: true });
    for (let i = 0; i < TABLES; i++) out[`t${i}`] = (db.prepare(`SELECT count(*) AS n FROM t${i}`).get() as { n: number }).n;
    db.close();
    return out;
  }
  const { openDuck } = await import('../../src/connectors/duckdb/connect.js');
  const duck = await openDuck(file, { readOnly: true });
  for (let i = 0; i < TABLES; i++) out[`t${i}`] = Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM main.t${i}`))[0]!.n);
  duck.close();
  return out;
}

describe.each(STORE_KINDS)('single-writer destinations take turns (%s store)', (kind) => {
  let api: TestApi;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-single-writer-'));
  beforeAll(async () => {
    const db = new SqliteDatabase(join(dataDir, 'many.sqlite'));
    for (let i = 0; i < TABLES; i++) db.exec(`CREATE TABLE t${i} (id INTEGER, v TEXT); INSERT INTO t${i} WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < ${50 + i}) SELECT value, 'row ' || value FROM s`);
    db.close();
    api = await TestApi.start(kind, dataDir, { runJobs: true });
  });
  afterAll(() => api?.close());

  it.each([
    ['DUCKDB', 'many.duckdb'],
    ['SQLITE', 'many-out.sqlite'],
  ] as const)('twelve tables in one job into one %s file end DONE run after run', async (engine, file) => {
    const { dataSourceId: id } = (await api.call('POST', mms('/datasources'), { name: `many-${engine}`, type: 'SQLITE', config: { source: { path: 'many.sqlite' }, destination: { type: engine, path: file } } })).body.data;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    const { jobId } = (await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'all', srcDbName: 'main', increment: false })).body.data;
    // Four runs on the embedded store; three on PostgreSQL, whose claim takes a different lock.
    for (let run = 1; run <= (kind === 'sqlite' ? 4 : 3); run++) {
      if (run > 1) expect((await api.call('POST', mms(`/datasources/${id}/jobs/${jobId}/start`))).status).toBe(200);
      await api.app.runner!.idle();
      const job = (await api.call('GET', mms(`/datasources/${id}/jobs/${jobId}`))).body.data;
      expect([run, job.status, job.taskDone]).toEqual([run, 'DONE', TABLES]);
    }
    const tasks = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${jobId}&pageSize=100`))).body.data.objectList;
    // Taking turns, not retrying: no task needed a second attempt.
    expect(tasks.filter((t: { errMsg: string | null }) => t.errMsg)).toEqual([]);
    const want = Object.fromEntries(Array.from({ length: TABLES }, (_, i) => [`t${i}`, 50 + i]));
    expect(await countsByEngine(engine, join(dataDir, file))).toEqual(want);
  });
});
