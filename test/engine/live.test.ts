import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, mmsCalls, TestApi } from '../support/api.js';
import { firstDifference, mariadbLines, psqlLines } from '../support/cli-read.js';
import { BROKEN_ORDERS, expectedAcct, LIVE_SCHEMA, startWriter, USED_IDS, type LiveKey, type Transact } from '../support/live-writer.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { until } from '../support/processes.js';
import { createPgDatabase } from '../support/stores.js';
import { duckdbRows } from '../support/duckdb-read.js';

/**
 * Live sources: a writer keeps updating, inserting and deleting rows (and orders with their lines)
 * while a job copies them in chunks. Every job ends DONE, and the destination equals the source as
 * of the job's snapshot: the writer's log, copied in the same snapshot, says which of its changes
 * the snapshot saw, and the source's rows as of then are rebuilt from a copy taken before it
 * started. Both ends are read with the engines' own clients.
 */

const ACCT_ROWS = 100_000;
const ORDERS = 10_000;
const TABLES = ['acct', 'writer_log', 'orders', 'order_lines'];

interface LiveSource {
  /** Creates and fills the tables; acct_initial is acct before any change. */
  seed(): Promise<void>;
  transact: Transact;
  /** The data source's config, its srcDbName, and the job's destination database. */
  config: () => Record<string, unknown>;
  srcDb: string;
  dstDb: string;
  /** A query's rows at the source, and at the destination (tables named bare, in the destination database), as the engine's client prints them. */
  atSource(select: string): Promise<string>;
  atDestination(select: string): Promise<string>;
  close(): Promise<void>;
}

async function postgresSource(key: LiveKey): Promise<LiveSource> {
  const [src, dst] = await Promise.all([createPgDatabase('openmms_live_src'), createPgDatabase('openmms_live_dst')]);
  const writer = new pg.Client({ connectionString: src.url });
  await writer.connect();
  return {
    async seed() {
      await writer.query(`${LIVE_SCHEMA('bigserial', key)}
        INSERT INTO acct SELECT g, g % 1000, md5(g::text) FROM generate_series(1, ${ACCT_ROWS}) g;
        INSERT INTO order_lines SELECT o, l, (o + l) % 50 + 1 FROM generate_series(1, ${ORDERS}) o, generate_series(1, 5) l WHERE l <= 1 + o % 5;
        INSERT INTO orders SELECT order_id, count(*), sum(qty) FROM order_lines GROUP BY order_id;
        CREATE TABLE acct_initial AS SELECT * FROM acct;`);
    },
    async transact(statements) {
      await writer.query('BEGIN');
      for (const [q, params] of statements) {
        let n = 0;
        await writer.query(q.replace(/\?/g, () => `$${++n}`), params);
      }
      await writer.query('COMMIT');
    },
    config: () => ({ source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } }),
    srcDb: 'public',
    dstDb: 'live',
    atSource: (select) => psqlLines(src.url, select),
    atDestination: (select) => psqlLines(dst.url.replace(/\?.*$/, '') + '?options=-c%20search_path%3Dlive', select),
    async close() {
      await writer.end();
      await Promise.all([src.drop(), dst.drop()]);
    },
  };
}

async function mariadbSource(key: LiveKey): Promise<LiveSource> {
  const [src, dst] = await Promise.all([createMariaDatabase('openmms_live_src'), createMariaDatabase('openmms_live_dst')]);
  const writer = await mysql.createConnection({ ...MARIADB, database: src.name });
  return {
    async seed() {
      await src.admin.query(`${LIVE_SCHEMA('bigint AUTO_INCREMENT', key)}
        INSERT INTO acct SELECT seq, seq % 1000, MD5(seq) FROM seq_1_to_${ACCT_ROWS};
        INSERT INTO order_lines SELECT o.seq, l.seq, (o.seq + l.seq) % 50 + 1 FROM seq_1_to_${ORDERS} o, seq_1_to_5 l WHERE l.seq <= 1 + o.seq % 5;
        INSERT INTO orders SELECT order_id, count(*), sum(qty) FROM order_lines GROUP BY order_id;
        CREATE TABLE acct_initial AS SELECT * FROM acct;`);
    },
    async transact(statements) {
      await writer.beginTransaction();
      for (const [q, params] of statements) await writer.execute(q, params as mysql.ExecuteValues[]);
      await writer.commit();
    },
    config: () => ({ source: { ...MARIADB, database: src.name }, destination: { type: 'MYSQL', ...MARIADB, database: dst.name } }),
    srcDb: src.name,
    dstDb: dst.name,
    atSource: (select) => mariadbLines(src.name, select),
    atDestination: (select) => mariadbLines(dst.name, select),
    async close() {
      await writer.end();
      await Promise.all([src.drop(), dst.drop()]);
    },
  };
}

// acct's key an integer (chunks are key ranges at both ends), text (chunks cut in the source's
// order, tagged at the destination), or none (cut by pages). MariaDB's text keys are cut as
// PostgreSQL's are, and its snapshot is the same whatever the cut: cut-chunks.test.ts copies them.
describe.each([
  ['PostgreSQL', 'integer', postgresSource],
  ['MariaDB', 'integer', mariadbSource],
  ['PostgreSQL', 'text', postgresSource],
  ['PostgreSQL', 'none', postgresSource],
] as const)('a %s source that keeps taking writes, acct keyed by %s', (engine, key, open) => {
  let api: TestApi;
  let source: LiveSource;
  let sourceId: number;
  let jobId: number;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await api.call(method, mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };

  beforeAll(async () => {
    source = await open(key);
    await source.seed();
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-live-')), { runJobs: true, concurrency: 4 });
    sourceId = (await call('POST', '/datasources', { name: 'live', type: engine === 'PostgreSQL' ? 'POSTGRESQL' : 'MYSQL', config: source.config() })).dataSourceId;
    await call('POST', `/datasources/${sourceId}/scans`);
    await api.app.scans.idle();
  });
  afterAll(async () => {
    await api?.close();
    await source?.close();
  });

  it('copies in chunks while rows change: DONE, and the destination is the source as of the job’s one snapshot, orders with all their lines', async () => {
    const writer = startWriter(source.transact, { acctRows: ACCT_ROWS, orders: ORDERS });
    try {
      await until(async () => writer.committed >= 50);
      ({ jobId } = await call('POST', `/datasources/${sourceId}/jobs`, { name: 'live', srcDbName: source.srcDb, dstDbName: source.dstDb, tables: TABLES, others: { 'task.chunk.rows': 12_500 } }));
      await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status));
      const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&pageSize=100`)).objectList;
      expect([(await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status, tasks.filter((t: any) => t.status !== 'DONE').map((t: any) => t.errMsg)]).toEqual(['DONE', []]);
      // acct in 8 chunks, order_lines in 3, the rest whole; every task read in the job's first snapshot.
      expect(tasks.filter((t: any) => t.srcTableName === 'acct')).toHaveLength(8);
      expect(tasks.filter((t: any) => t.srcTableName === 'order_lines')).toHaveLength(3);
      const epochs = await api.store.db.selectFrom('tasks').select('snapshot_epoch').where('job_id', '=', jobId).execute();
      expect(new Set(epochs.map((e) => e.snapshot_epoch))).toEqual(new Set([1]));
    } finally {
      await writer.stop();
    }

    // The snapshot saw the writer's changes up to `seen`, and more came after it (during the copy).
    const seen = Number(await source.atDestination('SELECT coalesce(max(seq), 0) FROM writer_log'));
    const last = Number(await source.atSource('SELECT max(seq) FROM writer_log'));
    expect(seen).toBeGreaterThan(0);
    expect(last).toBeGreaterThan(seen);

    const want = await source.atSource(`SELECT id, v, note FROM (${expectedAcct(seen)}) e ORDER BY id`);
    const got = await source.atDestination('SELECT id, v, note FROM acct ORDER BY id');
    expect(firstDifference(want, got)).toBeNull();
    expect(await source.atSource('SELECT id, v, note FROM acct ORDER BY id')).not.toBe(got); // the source moved on
    expect(firstDifference(await source.atSource(`SELECT seq, op, id, v, note FROM writer_log WHERE seq <= ${seen} ORDER BY seq`), await source.atDestination('SELECT seq, op, id, v, note FROM writer_log ORDER BY seq'))).toBeNull();
    // Orders and their lines, chunked apart, landed as one consistent pair.
    expect(await source.atDestination(BROKEN_ORDERS)).toBe('0\n');
    expect(Number(await source.atDestination('SELECT count(*) FROM orders'))).toBeGreaterThan(ORDERS / 2);
  });

  it('an increment while rows change moves only what changed (keys; a cut chunk whole), and leaves the destination the source as of its snapshot', async () => {
    const before = Number(await source.atDestination('SELECT max(seq) FROM writer_log'));
    const [acctRows, orders] = (await source.atSource(USED_IDS)).trim().split('\t').map(Number);
    const writer = startWriter(source.transact, { acctRows: Math.max(ACCT_ROWS, acctRows!), orders: Math.max(ORDERS, orders!) });
    try {
      await until(async () => writer.committed >= 300);
      // No scan in between: StartMmsJob compares every DONE chunk at both ends.
      await call('POST', `/datasources/${sourceId}/jobs/${jobId}/start`);
      await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status));
      expect((await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status).toBe('DONE');
    } finally {
      await writer.stop();
    }
    const seen = Number(await source.atDestination('SELECT max(seq) FROM writer_log'));
    expect(seen).toBeGreaterThan(before);
    const want = await source.atSource(`SELECT id, v, note FROM (${expectedAcct(seen)}) e ORDER BY id`);
    expect(firstDifference(want, await source.atDestination('SELECT id, v, note FROM acct ORDER BY id'))).toBeNull();
    expect(await source.atDestination(BROKEN_ORDERS)).toBe('0\n');
    // Rows written into acct: no more than twice the ids its snapshot saw change since the last run.
    const changedIds = Number(await source.atDestination(`SELECT count(DISTINCT id) FROM writer_log WHERE seq > ${before}`));
    const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&pageSize=100`)).objectList;
    const moved = tasks.filter((t: any) => t.srcTableName === 'acct').reduce((n: number, t: any) => n + t.rows, 0);
    expect(moved).toBeGreaterThan(0);
    // Keys move one by one in key ranges; a cut chunk that differs moves whole.
    if (key === 'integer') expect(moved).toBeLessThanOrEqual(2 * changedIds);
  });
});

// Into a lake, tables go whole (a lake has no key ranges), through PostgreSQL's CSV and DuckDB's
// read_csv, cut into files of rowsPerFile rows as the CSV streams: read back with DuckDB.
describe('a PostgreSQL source that keeps taking writes, copied into a lake', () => {
  const ROWS_PER_FILE = 7_000;
  let api: TestApi;
  let source: LiveSource;
  let dataDir: string;
  const { call, scan } = mmsCalls(() => api);
  const files = (table: string) => join(dataDir, 'lake', 'live.db', table, '*.parquet');
  /** DuckDB's rows of `select` over the lake's tables, printed as psql's COPY text prints them. */
  const atLake = async (select: string) => {
    const views = TABLES.map((t) => `CREATE VIEW ${t} AS SELECT * FROM read_parquet('${files(t)}', hive_partitioning = false);`).join(' ');
    const rows = await duckdbRows(`${views} ${select}`);
    return rows.map((r) => `${r.map((v) => v ?? '\\N').join('\t')}\n`).join('');
  };

  beforeAll(async () => {
    source = await postgresSource('integer');
    await source.seed();
    dataDir = mkdtempSync(join(tmpdir(), 'openmms-live-lake-'));
    api = await TestApi.start('sqlite', dataDir, { runJobs: true, concurrency: 4 });
  });
  afterAll(async () => {
    await api?.close();
    await source?.close();
  });

  it('DONE, every file of rowsPerFile rows, and the lake is the source as of the job’s snapshot', async () => {
    const config = { ...source.config(), destination: { type: 'LAKE', path: 'lake', options: { rowsPerFile: ROWS_PER_FILE } } };
    const sourceId = (await call('POST', '/datasources', { name: 'live-lake', type: 'POSTGRESQL', config })).dataSourceId;
    await scan(sourceId);
    const writer = startWriter(source.transact, { acctRows: ACCT_ROWS, orders: ORDERS });
    try {
      await until(async () => writer.committed >= 50);
      const { jobId } = await call('POST', `/datasources/${sourceId}/jobs`, { name: 'live-lake', srcDbName: source.srcDb, dstDbName: 'live', tables: TABLES });
      await until(async () => ['DONE', 'FAILED'].includes((await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status));
      const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&pageSize=100`)).objectList;
      expect([(await call('GET', `/datasources/${sourceId}/jobs/${jobId}`)).status, tasks.filter((t: any) => t.status !== 'DONE').map((t: any) => t.errMsg)]).toEqual(['DONE', []]);
    } finally {
      await writer.stop();
    }
    const seen = Number(await atLake('SELECT coalesce(max(seq), 0) FROM writer_log'));
    expect(seen).toBeGreaterThan(0);
    expect(Number(await source.atSource('SELECT max(seq) FROM writer_log'))).toBeGreaterThan(seen);
    expect(firstDifference(await source.atSource(`SELECT id, v, note FROM (${expectedAcct(seen)}) e ORDER BY id`), await atLake('SELECT id, v, note FROM acct ORDER BY id'))).toBeNull();
    expect(firstDifference(await source.atSource(`SELECT seq, op, id, v, note FROM writer_log WHERE seq <= ${seen} ORDER BY seq`), await atLake('SELECT seq, op, id, v, note FROM writer_log ORDER BY seq'))).toBeNull();
    expect(await atLake(BROKEN_ORDERS)).toBe('0\n');
    // Files of ROWS_PER_FILE rows each, but the last of each table.
    const perFile = await duckdbRows(`SELECT count(*) FROM read_parquet('${files('acct')}', filename = true) GROUP BY filename ORDER BY count(*) DESC`);
    const acctRows = Number(await atLake('SELECT count(*) FROM acct'));
    expect(perFile.map((r) => Number(r[0]))).toEqual([...Array(Math.floor(acctRows / ROWS_PER_FILE)).fill(ROWS_PER_FILE), ...(acctRows % ROWS_PER_FILE ? [acctRows % ROWS_PER_FILE] : [])]);
  });
});
