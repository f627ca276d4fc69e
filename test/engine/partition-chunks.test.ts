import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmsCalls, TestApi } from '../support/api.js';
import { firstDifference, mariadbLines, psqlLines } from '../support/cli-read.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { until } from '../support/processes.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

/**
 * A partition larger than a chunk is cut into chunks by the table's integer key, as a big table
 * is: each a task, read from the partition alone, its rows tagged with the partition at the
 * destination. The partition is DONE once all its chunks are. Both ends read with psql and the
 * mariadb client.
 */
describe('big partitions in chunks', () => {
  let api: TestApi;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  const { call, scan } = mmsCalls(() => api);
  const settle = async (sourceId: number, jobId: number) => {
    await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status));
    const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&pageSize=100`)).objectList as { rows: number; status: string; errMsg: string }[];
    return { status: (await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status, tasks: tasks.length, rows: tasks.reduce((n, t) => n + t.rows, 0), errors: tasks.filter((t) => t.status !== 'DONE').map((t) => t.errMsg) };
  };
  const partitions = async (sourceId: number) => (await call('GET', `/datasources/${sourceId}/partitions?pageSize=100`)).objectList.map((p: { value: string; status: string }) => `${p.value} ${p.status}`).sort();

  beforeAll(async () => {
    dst = await createPgDatabase('openmms_pchunks_dst');
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-pchunks-')), { runJobs: true, concurrency: 3 });
  });
  afterAll(async () => {
    await api?.close();
    await dst?.drop();
  });

  it('PostgreSQL: a 30,000-row partition in 6 chunks beside small ones; an increment compares the chunks and copies the one that changed', async () => {
    const src = await createPgDatabase('openmms_pchunks_pg');
    try {
      await pgQuery(src.url, `CREATE TABLE ev (id bigint, d date, v int, note text, PRIMARY KEY (id, d)) PARTITION BY LIST (d);
        CREATE TABLE ev_big PARTITION OF ev FOR VALUES IN ('2024-01-01');
        CREATE TABLE ev_small1 PARTITION OF ev FOR VALUES IN ('2024-01-02');
        CREATE TABLE ev_small2 PARTITION OF ev FOR VALUES IN ('2024-01-03');
        INSERT INTO ev SELECT g, '2024-01-01', g % 97, md5(g::text) FROM generate_series(1, 30000) g;
        INSERT INTO ev SELECT g, '2024-01-02', g, NULL FROM generate_series(1, 300) g;
        INSERT INTO ev SELECT g, '2024-01-03', -g, 'x' FROM generate_series(100000, 100300) g;`);
      const id = (await call('POST', '/datasources', { name: 'pchunks-pg', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } })).dataSourceId;
      await scan(id);
      const jobId = (await call('POST', `/datasources/${id}/jobs`, { name: 'ev', srcDbName: 'public', dstDbName: 'pchunks', tables: ['ev'], others: { 'task.chunk.rows': 5000 } })).jobId;
      expect(await settle(id, jobId)).toEqual({ status: 'DONE', tasks: 7, rows: 30601, errors: [] });
      const ends = async () => expect(firstDifference(await psqlLines(src.url, 'SELECT id, d, v, note FROM ev ORDER BY d, id'), await psqlLines(dst.url, 'SELECT id, d, v, note FROM pchunks.ev ORDER BY d, id'))).toBeNull();
      await ends();
      // The big partition's rows carry its tag, whatever chunk brought them.
      expect(await psqlLines(dst.url, 'SELECT _mms_partition, count(*) FROM pchunks.ev GROUP BY 1 ORDER BY 1')).toBe('d=2024-01-01\t30000\nd=2024-01-02\t300\nd=2024-01-03\t301\n');
      expect(await partitions(id)).toEqual(['d=2024-01-01 DONE', 'd=2024-01-02 DONE', 'd=2024-01-03 DONE']);

      // One row of the big partition changes: its chunk moves again, the other five are compared and stay.
      await pgQuery(src.url, `UPDATE ev SET v = -1 WHERE id = 12345 AND d = '2024-01-01'`);
      await call('POST', `/datasources/${id}/jobs/${jobId}/start`);
      const again = await settle(id, jobId);
      expect(again).toMatchObject({ status: 'DONE', errors: [] });
      expect(again.rows).toBeGreaterThan(0);
      expect(again.rows).toBeLessThanOrEqual(5000);
      await ends();
    } finally {
      await src.drop();
    }
  });

  it('MariaDB: a RANGE partition in chunks, read from that partition alone', async () => {
    const maria = await createMariaDatabase('openmms_pchunks');
    try {
      await maria.admin.query(`CREATE TABLE sales (id bigint NOT NULL, y int NOT NULL, amount decimal(12,2), PRIMARY KEY (id, y))
          PARTITION BY RANGE (y) (PARTITION p2023 VALUES LESS THAN (2024), PARTITION p2024 VALUES LESS THAN (2025));
        INSERT INTO sales SELECT seq, 2024, seq * 1.25 FROM seq_1_to_12000;
        INSERT INTO sales SELECT seq, 2023, -seq FROM seq_5000_to_5100;`);
      const id = (await call('POST', '/datasources', { name: 'pchunks-maria', type: 'MYSQL', config: { source: { ...MARIADB, database: maria.name }, destination: { type: 'POSTGRESQL', ...dst.conn } } })).dataSourceId;
      await scan(id);
      const jobId = (await call('POST', `/datasources/${id}/jobs`, { name: 'sales', srcDbName: maria.name, dstDbName: 'pchunks_maria', tables: ['sales'], others: { 'task.chunk.rows': 3000 } })).jobId;
      expect(await settle(id, jobId)).toEqual({ status: 'DONE', tasks: 5, rows: 12101, errors: [] });
      const want = await mariadbLines(maria.name, 'SELECT id, y, amount FROM sales ORDER BY y, id');
      expect(firstDifference(want, await psqlLines(dst.url, 'SELECT id, y, amount FROM pchunks_maria.sales ORDER BY y, id'))).toBeNull();
      // A RANGE partition is named by its lower bound.
      expect(await partitions(id)).toEqual(['y=2024 DONE', 'y=MINVALUE DONE']);
    } finally {
      await maria.drop();
    }
  });
});
