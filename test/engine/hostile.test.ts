import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck } from '../../src/connectors/duckdb/connect.js';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase } from '../support/stores.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';

/** Names and values that break string-built SQL: quotes, semicolons, comments, unicode, length. */
const SCHEMA = `we"ird; -- schema ü`;
const TABLE = `tab'le"; DROP TABLE x; --`;
const COLUMN = `co"l; -- 北京`;
const LONG = 'l'.repeat(60);

describe('hostile names and values', () => {
  let api: TestApi;
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-hostile-'));
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

  beforeAll(async () => {
    [src, dst] = await Promise.all([createPgDatabase('openmms_hostile_src'), createPgDatabase('openmms_hostile_dst')]);
    const c = new pg.Client({ connectionString: src.url });
    await c.connect();
    await c.query(`CREATE SCHEMA ${q(SCHEMA)}`);
    await c.query(`CREATE TABLE ${q(SCHEMA)}.${q(TABLE)} (id int, ${q(COLUMN)} text, ${q(LONG)} text, k text) PARTITION BY LIST (k)`);
    const values = [`a'b`, `x; DROP TABLE y; --`, `北京/上海=%`, ''];
    for (const [i, v] of values.entries()) {
      await c.query(`CREATE TABLE ${q(SCHEMA)}.${q(`p${i}`)} PARTITION OF ${q(SCHEMA)}.${q(TABLE)} FOR VALUES IN ('${v.replace(/'/g, "''")}')`);
      await c.query(`INSERT INTO ${q(SCHEMA)}.${q(TABLE)} VALUES ($1, $2, $3, $4), ($5, $6, $7, $4)`, [i * 2, `v'${i}"`, 'long', v, i * 2 + 1, null, `;--${i}`]);
    }
    await c.end();
    api = await TestApi.start('sqlite', dataDir, { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([src?.drop(), dst?.drop()]);
  });

  it.each([
    ['PostgreSQL', () => ({ type: 'POSTGRESQL', ...dst.conn })],
    ['DuckDB', () => ({ type: 'DUCKDB', path: 'hostile.duckdb' })],
    ['lake', () => ({ type: 'LAKE', path: 'hostile-lake' })],
  ])('migrate to %s exactly, every name quoted and every value bound', async (engine, destination) => {
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const res = await api.call(method, mms(path), body);
      expect(res.status, res.text).toBe(200);
      return res.body.data;
    };
    const { dataSourceId: id } = await call('POST', '/datasources', { name: `hostile-${engine}`, type: 'POSTGRESQL', config: { source: src.conn, destination: destination() } });
    await call('POST', `/datasources/${id}/scans`);
    await api.app.scans.idle();
    const parts = (await call('GET', `/datasources/${id}/partitions?pageSize=10`)).objectList.map((p: any) => p.value).sort();
    expect(parts).toEqual(['k=', 'k=a%27b', 'k=x; DROP TABLE y; --', 'k=北京%2F上海%3D%25'].sort());
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, {
      name: 'hostile', srcDbName: SCHEMA, dstDbName: `dst "${engine}"; --`, others: { 'verify.checksum': true },
      partitionFilters: { [TABLE]: `k <> 'nothing' or k = "x; DROP TABLE y; --"` },
    });
    await api.app.runner!.idle();
    const job = await call('GET', `/datasources/${id}/jobs/${jobId}`);
    const [task] = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList;
    expect({ status: job.status, err: task?.errMsg ?? null }).toEqual({ status: 'DONE', err: null });
    expect(task.rows).toBe(8);
  });

  it('the DuckDB copy holds the same rows', async () => {
    const duck = await openDuck(join(dataDir, 'hostile.duckdb'), { readOnly: true });
    try {
      const rows = await duck.all<Record<string, unknown>>(`SELECT id, ${q(COLUMN)} AS c, ${q(LONG)} AS l, k FROM ${q('dst "DuckDB"; --')}.${q(TABLE)} ORDER BY id`);
      expect(rows.map((r) => [r.id, r.c, r.l, r.k])).toEqual([
        [0, `v'0"`, 'long', `a'b`], [1, null, ';--0', `a'b`],
        [2, `v'1"`, 'long', 'x; DROP TABLE y; --'], [3, null, ';--1', 'x; DROP TABLE y; --'],
        [4, `v'2"`, 'long', '北京/上海=%'], [5, null, ';--2', '北京/上海=%'],
        [6, `v'3"`, 'long', ''], [7, null, ';--3', ''],
      ]);
    } finally {
      duck.close();
    }
  });
});

describe('hostile names and values from MariaDB', () => {
  let api: TestApi;
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  const bq = (s: string) => `\`${s.replace(/`/g, '``')}\``;
  const VALUES = [`a'b`, `x; DROP TABLE y; --`, `北京=%`, `back\\slash`];

  beforeAll(async () => {
    maria = await createMariaDatabase('openmms_hostile_maria');
    dst = await createPgDatabase('openmms_hostile_mdst');
    await maria.admin.query(
      `CREATE TABLE ${bq(TABLE)} (id int, ${bq(COLUMN)} text, ${bq(LONG)} text, k varchar(32)) DEFAULT CHARSET utf8mb4
         PARTITION BY LIST COLUMNS (k) (${VALUES.map((v, i) => `PARTITION p${i} VALUES IN (${maria.admin.escape(v)})`).join(', ')})`,
    );
    for (const [i, v] of VALUES.entries()) {
      await maria.admin.query(`INSERT INTO ${bq(TABLE)} VALUES (?, ?, ?, ?), (?, ?, ?, ?)`, [i * 2, `v'${i}"\``, 'long', v, i * 2 + 1, null, `;--${i}`, v]);
    }
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-hostile-maria-')), { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await maria?.drop();
    await dst?.drop();
  });

  it('migrate to PostgreSQL exactly, with a partition filter over the hostile values', async () => {
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const res = await api.call(method, mms(path), body);
      expect(res.status, res.text).toBe(200);
      return res.body.data;
    };
    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'hostile-maria', type: 'MYSQL', config: { source: { ...MARIADB, database: maria.name }, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    await call('POST', `/datasources/${id}/scans`);
    await api.app.scans.idle();
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, {
      name: 'hostile', srcDbName: maria.name, dstDbName: SCHEMA, others: { 'verify.checksum': true },
      partitionFilters: { [TABLE]: `k <> "x; DROP TABLE y; --"` },
    });
    await api.app.runner!.idle();
    const [task] = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList;
    expect({ status: (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status, err: task?.errMsg ?? null, rows: task?.rows }).toEqual({ status: 'DONE', err: null, rows: 6 });
    const c = new pg.Client({ connectionString: dst.url });
    await c.connect();
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const { rows } = await c.query({ text: `SELECT id, ${q(COLUMN)}, ${q(LONG)}, k FROM ${q(SCHEMA)}.${q(TABLE)} ORDER BY id`, rowMode: 'array' });
    await c.end();
    expect(rows).toEqual([
      [0, `v'0"\``, 'long', `a'b`], [1, null, ';--0', `a'b`],
      [4, `v'2"\``, 'long', '北京=%'], [5, null, ';--2', '北京=%'],
      [6, `v'3"\``, 'long', 'back\\slash'], [7, null, ';--3', 'back\\slash'],
    ]);
  });
});
