import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase } from '../support/stores.js';
import { duckdbRows, duckdbRun } from '../support/duckdb-read.js';

/**
 * Lists of texts (text[], varchar[], char[], uuid[]) copied from PostgreSQL into DuckDB and the lake
 * are compared by value: one element changed at the destination fails a verify-only job, naming the
 * column. A numeric[] (its JSON prints numbers, DuckDB's list of texts strings) stays presence-only,
 * and the verification says so.
 */
const SOURCE = `CREATE TABLE lists (id int, t text[], v varchar(5)[], c char(3)[], u uuid[], n numeric[]);
  INSERT INTO lists VALUES
    (1, ARRAY['a"b', 'c\\d', E'tab\\t nl\\n', 'é😀', '', NULL, E'\\u0001', 'x\u001fy'], '{ab,NULL}', '{a,bcd}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{1.50,-2}'),
    (2, '{}', '{}', '{}', '{}', '{}'),
    (3, ARRAY['only'], '{z}', '{zz}', NULL, '{0}'),
    (4, NULL, NULL, NULL, NULL, NULL)`;


describe('lists of texts into DuckDB and the lake, compared by value', () => {
  let api: TestApi;
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  const files = mkdtempSync(join(tmpdir(), 'openmms-lists-'));

  beforeAll(async () => {
    src = await createPgDatabase('openmms_lists');
    execFileSync('psql', [src.url, '-qX', '-v', 'ON_ERROR_STOP=1', '-c', SOURCE]);
    api = await TestApi.start('sqlite', files, { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await src?.drop();
  });

  async function run(id: number, body: object) {
    const res = await api.call('POST', mms(`/datasources/${id}/jobs`), { srcDbName: 'public', tables: ['lists'], ...body });
    expect(res.status, res.text).toBe(200);
    await api.app.runner!.idle();
    const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${res.body.data.jobId}`))).body.data.objectList;
    const detail = (await api.call('GET', mms(`/datasources/${id}/tasks/${task.id}`))).body.data;
    return { status: task.status as string, errMsg: task.errMsg as string | null, verification: detail.partitions[0]?.verification };
  }

  const SPOTS = {
    DUCKDB: {
      destination: { path: 'lists.duckdb' },
      dstDbName: 'main',
      read: () => duckdbRows('SELECT id, t::VARCHAR, v::VARCHAR, c::VARCHAR, u::VARCHAR FROM main.lists ORDER BY id', join(files, 'lists.duckdb')),
      tamper: () => duckdbRun(join(files, 'lists.duckdb'), `UPDATE main.lists SET t = list_concat(t[1:7], ['x']) WHERE id = 1`),
    },
    LAKE: {
      destination: { path: 'lake' },
      dstDbName: 'default',
      read: () => duckdbRows(`SELECT id, t::VARCHAR, v::VARCHAR, c::VARCHAR, u::VARCHAR FROM read_parquet('${join(files, 'lake', 'lists')}/*.parquet') ORDER BY id`),
      tamper: async () => {
        const folder = join(files, 'lake', 'lists');
        const file = join(folder, readdirSync(folder).find((f) => f.endsWith('.parquet'))!);
        copyFileSync(file, `${file}.bk`);
        await duckdbRun(':memory:', `COPY (SELECT * REPLACE (CASE WHEN id = 1 THEN list_concat(t[1:7], ['x']) ELSE t END AS t) FROM read_parquet('${file}.bk')) TO '${file}' (FORMAT PARQUET)`);
      },
    },
  };

  it.each(Object.keys(SPOTS) as (keyof typeof SPOTS)[])('PostgreSQL → %s', async (to) => {
    const spot = SPOTS[to];
    const created = await api.call('POST', mms('/datasources'), { name: `lists-${to}`, type: 'POSTGRESQL', config: { source: src.conn, destination: { type: to, ...spot.destination } } });
    const id = created.body.data.dataSourceId as number;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();

    const copied = await run(id, { name: 'copy', dstDbName: spot.dstDbName });
    expect([copied.status, copied.errMsg]).toEqual(['DONE', null]);
    expect(copied.verification.presenceOnly).toEqual(['n']);
    // DuckDB prints the lists its own way; the elements are PostgreSQL's.
    expect((await spot.read())[0]).toEqual(['1', `['a"b', c\\d, 'tab\t nl\n', é😀, '', NULL, \u0001, x\u001fy]`, '[ab, NULL]', "['a  ', bcd]", '[a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11]']);

    await spot.tamper();
    const checked = await run(id, { name: 'verify', dstDbName: spot.dstDbName, taskType: 'MC2MC_VERIFY', increment: false });
    expect(checked.status).toBe('VERIFICATION_FAILED');
    expect(checked.errMsg).toMatch(/the row \(id='1', [^)]*\) has t '[\s\S]*' at the source but '[\s\S]*' at the destination\)$/);
  });
});
