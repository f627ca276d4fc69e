import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck } from '../../src/connectors/duckdb/connect.js';
import { mms, mmsCalls, TestApi } from '../support/api.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { createPgDatabase } from '../support/stores.js';
import { until } from '../support/processes.js';

type PgDb = Awaited<ReturnType<typeof createPgDatabase>>;
const pgConn = (d: PgDb) => d.conn;

async function pgRows(url: string, sql: string): Promise<string[][]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query({ text: sql, rowMode: 'array' })).rows.map((r: unknown[]) => r.map((v) => (v === null ? null : String(v))) as string[]);
  } finally {
    await c.end();
  }
}

async function duckRows(path: string, sql: string): Promise<string[][]> {
  const duck = await openDuck(path, { readOnly: true });
  try {
    return (await duck.connection.runAndReadAll(sql)).getRowsJS().map((r) => r.map((v) => (v === null ? null : String(v))) as string[]);
  } finally {
    duck.close();
  }
}

// Aliased, so ORDER BY id still sorts by the number, not by its text.
const asText = `id::text AS id_t, region, dt::text AS dt_t, amount::text AS amount_t, ok::text AS ok_t, note`;

describe('migrations end to end', () => {
  let api: TestApi;
  let src: PgDb;
  let dst: PgDb;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-migrate-'));

  const { call, scan } = mmsCalls(() => api);
  const runJob = async (sourceId: number, body: Record<string, unknown>) => {
    const { jobId } = await call('POST', `/datasources/${sourceId}/jobs`, body);
    await api.app.runner!.idle();
    return { jobId, job: await call('GET', `/datasources/${sourceId}/jobs/${jobId}`) };
  };
  const source = async (name: string, type: string, conn: object, destination: object) =>
    (await call('POST', '/datasources', { name, type, config: { source: conn, destination } })).dataSourceId as number;

  beforeAll(async () => {
    src = await createPgDatabase('openmms_mig_src');
    dst = await createPgDatabase('openmms_mig_dst');
    const c = new pg.Client({ connectionString: src.url });
    await c.connect();
    await c.query(`
      CREATE SCHEMA shop;
      CREATE TABLE shop.orders (id bigint, region text, dt date, amount numeric(12,2), ok boolean, note text) PARTITION BY LIST (region);
      CREATE TABLE shop.orders_eu PARTITION OF shop.orders FOR VALUES IN ('eu');
      CREATE TABLE shop.orders_us PARTITION OF shop.orders FOR VALUES IN ('us');
      CREATE TABLE shop.orders_asia PARTITION OF shop.orders FOR VALUES IN ('asia');
      INSERT INTO shop.orders SELECT g, (ARRAY['eu','us','asia'])[1 + g % 3], DATE '2024-01-01' + (g % 30), g * 1.25, g % 2 = 0,
        CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g || ' ü ''quoted''' END FROM generate_series(1, 3000) g;
      CREATE TABLE shop.customers (id bigint PRIMARY KEY, region text, dt date, amount numeric(12,2), ok boolean, note text);
      INSERT INTO shop.customers SELECT g, 'eu', DATE '2020-01-01', 0, true, 'c' || g FROM generate_series(1, 500) g;
    `);
    await c.end();
    api = await TestApi.start('sqlite', dataDir, { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await src?.drop();
    await dst?.drop();
  });

  it('PostgreSQL → PostgreSQL: every row equal, statuses DONE, tasks and logs recorded', async () => {
    const id = await source('pg-to-pg', 'POSTGRESQL', pgConn(src), { type: 'POSTGRESQL', ...pgConn(dst), database: dst.name });
    await scan(id);
    const { jobId, job } = await runJob(id, { name: 'all', srcDbName: 'shop', dstDbName: 'mirror', others: { 'task.partition.max.num': 2 } });
    expect(job).toMatchObject({ status: 'DONE', taskNum: 3, taskDone: 3, stopped: false });
    for (const t of ['orders', 'customers']) {
      const want = await pgRows(src.url, `SELECT ${asText} FROM shop.${t} ORDER BY id`);
      expect(await pgRows(dst.url, `SELECT ${asText} FROM mirror.${t} ORDER BY id`)).toEqual(want);
    }
    const tables = (await call('GET', `/datasources/${id}/tables?dbName=shop`)).objectList;
    expect(tables.map((t: any) => [t.name, t.status])).toEqual([['customers', 'DONE'], ['orders', 'DONE']]);
    expect((await call('GET', `/datasources/${id}/dbs?name=shop`)).objectList[0].status).toBe('DONE');
    const tasks = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList;
    expect(tasks.map((t: any) => [t.srcTableName, t.status, t.partitionNum, t.progress])).toEqual([
      ['customers', 'DONE', 1, 100], ['orders', 'DONE', 2, 100], ['orders', 'DONE', 1, 100],
    ]);
    expect(tasks.reduce((n: number, t: any) => n + t.rows, 0)).toBe(3500);
    const detail = await call('GET', `/datasources/${id}/tasks/${tasks[1].id}`);
    // Its two small partitions went in one transaction, each verified by its own count and fingerprint.
    expect(detail.partitions.every((p: any) => p.verification.ok && p.verification.sourceRows === p.rows && p.verification.sourceFingerprint === p.verification.destinationFingerprint)).toBe(true);
    expect(new Set(detail.partitions.map((p: any) => p.verification.sourceFingerprint)).size).toBe(2);
    const logs = await call('GET', `/datasources/${id}/tasks/${tasks[1].id}/logs`);
    expect(logs.map((l: any) => l.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^copied 2 partitions in one transaction \(region=\w+ … region=\w+\): 2000 rows$/)]));
  });

  it('a second run of the same scope replaces, never duplicates; increment copies only what changed', async () => {
    const id = await source('pg-rerun', 'POSTGRESQL', pgConn(src), { type: 'POSTGRESQL', ...pgConn(dst), database: dst.name });
    await scan(id);
    await runJob(id, { name: 'first', srcDbName: 'shop', dstDbName: 'rerun', tables: ['orders'] });
    await runJob(id, { name: 'again', srcDbName: 'shop', dstDbName: 'rerun', tables: ['orders'], increment: false });
    const count = async () => (await pgRows(dst.url, 'SELECT count(*) FROM rerun.orders'))[0]![0];
    expect(await count()).toBe('3000');

    const c = new pg.Client({ connectionString: src.url });
    await c.connect();
    await c.query(`UPDATE shop.orders SET note = 'changed' WHERE id = 2`); // id 2 lives in region=asia
    await c.end();
    await scan(id);
    // The table is updated with its partition, and no longer once the changed partition is copied.
    const ordersUpdated = async () => (await call('GET', `/datasources/${id}/tables?name=orders`)).objectList[0].updated;
    expect(await ordersUpdated()).toBe(true);
    const { jobId, job } = await runJob(id, { name: 'delta', srcDbName: 'shop', dstDbName: 'rerun', tables: ['orders'] });
    expect(await ordersUpdated()).toBe(false);
    expect(job).toMatchObject({ status: 'DONE', taskNum: 1 });
    const [task] = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList;
    // The changed partition is copied; the others are compared, and copy nothing.
    expect((await call('GET', `/datasources/${id}/tasks/${task.id}`)).partitions.filter((p: any) => p.rows > 0).map((p: any) => p.value)).toEqual(['region=asia']);
    expect(await pgRows(dst.url, `SELECT note FROM rerun.orders WHERE id = 2`)).toEqual([['changed']]);
    expect(await count()).toBe('3000');
    expect((await call('GET', `/datasources/${id}/partitions?updated=true`)).total).toBe(0);

    // Starting a DONE job runs it again: with increment, its partitions are compared at both ends,
    // and nothing that matches is copied.
    await call('POST', `/datasources/${id}/jobs/${jobId}/start`);
    await api.app.runner!.idle();
    expect(await call('GET', `/datasources/${id}/jobs/${jobId}`)).toMatchObject({ status: 'DONE', taskNum: 1, taskDone: 1 });
    expect((await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList.map((t: any) => t.rows)).toEqual([0]);
    const again = new pg.Client({ connectionString: src.url });
    await again.connect();
    await again.query(`UPDATE shop.orders SET note = 'changed again' WHERE id = 3`); // region=eu
    await again.end();
    await scan(id);
    await call('POST', `/datasources/${id}/jobs/${jobId}/start`);
    await api.app.runner!.idle();
    expect(await call('GET', `/datasources/${id}/jobs/${jobId}`)).toMatchObject({ status: 'DONE', taskNum: 1, taskDone: 1 });
    // The job's tasks are its current run's, as its taskNum counts them; an earlier run's by `run`.
    const runs = async (q = '') => (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}${q}`)).objectList.map((t: any) => t.run);
    expect([await runs(), await runs('&run=1'), await runs('&run=2')]).toEqual([[3], [1], [2]]);
    expect(await pgRows(dst.url, `SELECT note FROM rerun.orders WHERE id = 3`)).toEqual([['changed again']]);
    expect(await count()).toBe('3000');
  });

  it('PostgreSQL → DuckDB and → lake, and the lake back into DuckDB with a partition filter', async () => {
    const toDuck = await source('pg-to-duck', 'POSTGRESQL', pgConn(src), { type: 'DUCKDB', path: 'dest.duckdb', database: 'main' });
    await scan(toDuck);
    expect((await runJob(toDuck, { name: 'to-duck', srcDbName: 'shop', others: { 'verify.checksum': true } })).job.status).toBe('DONE');
    const want = await pgRows(src.url, `SELECT ${asText} FROM shop.orders ORDER BY id`);
    const duckText = `CAST(id AS VARCHAR), region, CAST(dt AS VARCHAR), CAST(amount AS VARCHAR), CAST(ok AS VARCHAR), note`;
    const inDuck = await duckRows(join(dataDir, 'dest.duckdb'), `SELECT ${duckText} FROM main.orders ORDER BY id`);
    const firstDiff = inDuck.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(want[i]));
    expect([firstDiff, inDuck[firstDiff], want[firstDiff]]).toEqual([-1, undefined, undefined]);

    // Small files, so each partition of 1,000 rows is written as several (staged one at a time).
    const toLake = await source('pg-to-lake', 'POSTGRESQL', pgConn(src), { type: 'LAKE', path: 'lake-out', options: { rowsPerFile: 400 } });
    await scan(toLake);
    expect((await runJob(toLake, { name: 'to-lake', srcDbName: 'shop', dstDbName: 'sales', tables: ['orders'], others: { 'verify.checksum': true } })).job.status).toBe('DONE');
    const fromLake = await duckRows(':memory:', `SELECT ${duckText} FROM read_parquet('${join(dataDir, 'lake-out', 'sales.db', 'orders')}/*/*.parquet', hive_partitioning = true) ORDER BY id`);
    expect(fromLake).toEqual(want);
    expect(readdirSync(join(dataDir, 'lake-out', 'sales.db', 'orders', 'region=us')).sort()).toEqual(['part-0.parquet', 'part-1.parquet', 'part-2.parquet']);
  });

  it('migrates exactly the partitions a filter selects', async () => {
    mkdirSync(join(dataDir, 'events-lake'), { recursive: true });
    const duck = await openDuck(':memory:', { readOnly: false });
    await duck.all(`COPY (SELECT i AS id, '2024-01-0' || (1 + i % 3) AS dt, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, (i % 4) * 10 AS n,
                     CASE i % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'b' ELSE 'c' END AS k FROM range(240) t(i))
                    TO '${join(dataDir, 'events-lake', 'events')}' (FORMAT PARQUET, PARTITION_BY (dt, region, n, k))`);
    duck.close();
    const id = await source('lake-to-duck', 'LAKE', { path: 'events-lake' }, { type: 'DUCKDB', path: 'events.duckdb', database: 'main' });
    await scan(id);
    const filter = "dt >= '2024-01-02' and (region = 'eu' or n > 20) and k in ('a','b')";
    const { job } = await runJob(id, { name: 'filtered', srcDbName: 'default', tables: ['events'], partitionFilters: { events: filter }, others: { 'verify.checksum': true } });
    expect(job.status).toBe('DONE');
    const all = (await call('GET', `/datasources/${id}/partitions?pageSize=100`)).objectList.map((p: any) => p.value);
    const expected = all.filter((v: string) => {
      const m = Object.fromEntries(v.split('/').map((kv) => kv.split('=')));
      return m.dt >= '2024-01-02' && (m.region === 'eu' || Number(m.n) > 20) && ['a', 'b'].includes(m.k);
    });
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    const copied = await duckRows(join(dataDir, 'events.duckdb'), `SELECT DISTINCT _mms_partition FROM main.events ORDER BY 1`);
    expect(copied.map((r) => r[0])).toEqual([...expected].sort());
    const rows = await duckRows(join(dataDir, 'events.duckdb'), `SELECT count(*) FROM main.events`);
    const want = await duckRows(':memory:', `SELECT count(*) FROM read_parquet('${join(dataDir, 'events-lake', 'events')}/**/*.parquet', hive_partitioning = true)
                                             WHERE dt >= '2024-01-02' AND (region = 'eu' OR n > 20) AND k IN ('a', 'b')`);
    expect(rows).toEqual(want);
  });

  it('MariaDB → PostgreSQL: every row equal', async () => {
    const maria = await createMariaDatabase('openmms_mig');
    try {
      await maria.admin.query(`
        CREATE TABLE sales (id bigint, region varchar(8), dt date, amount decimal(12,2), ok tinyint, note text)
          PARTITION BY LIST COLUMNS (region) (PARTITION p_eu VALUES IN ('eu'), PARTITION p_us VALUES IN ('us'));
        INSERT INTO sales SELECT seq, IF(seq % 2 = 0, 'eu', 'us'), DATE '2024-01-01' + INTERVAL (seq % 30) DAY, seq * 1.25, seq % 2, CONCAT('n', seq)
          FROM seq_1_to_2000;
      `);
      const id = await source('maria-to-pg', 'MYSQL', { ...MARIADB, database: maria.name }, { type: 'POSTGRESQL', ...pgConn(dst), database: dst.name });
      await scan(id);
      expect((await runJob(id, { name: 'm2p', srcDbName: maria.name, dstDbName: 'from_maria', others: { 'verify.checksum': true } })).job.status).toBe('DONE');
      const [want] = await maria.admin.query(`SELECT CAST(id AS CHAR), region, CAST(dt AS CHAR), CAST(amount AS CHAR), CAST(ok AS CHAR), note FROM sales ORDER BY id`);
      const got = await pgRows(dst.url, `SELECT ${asText} FROM from_maria.sales ORDER BY id`);
      expect(got).toEqual((want as Record<string, unknown>[]).map((r) => Object.values(r).map(String)));
    } finally {
      await maria.drop();
    }
  });

  it('stop mid-copy rolls the partition back; start finishes with source = destination', async () => {
    const c = new pg.Client({ connectionString: src.url });
    await c.connect();
    await c.query(`CREATE TABLE shop.big (id bigint, region text, dt date, amount numeric(12,2), ok boolean, note text);
                   INSERT INTO shop.big SELECT g, 'x', DATE '2024-01-01', g, true, repeat('y', 200) FROM generate_series(1, 300000) g;`);
    await c.end();
    const id = await source('pg-stop', 'POSTGRESQL', pgConn(src), { type: 'POSTGRESQL', ...pgConn(dst), database: dst.name });
    await scan(id);
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'stoppable', srcDbName: 'shop', dstDbName: 'stopped', tables: ['big'] });
    await until(async () => (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList[0]?.running === true);
    const before = Date.now();
    await call('POST', `/datasources/${id}/jobs/${jobId}/stop`);
    expect(Date.now() - before).toBeLessThan(10_000);
    const stopped = await call('GET', `/datasources/${id}/jobs/${jobId}`);
    expect(stopped.stopped).toBe(true);
    const [task] = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList;
    expect(task.status).toBe('INIT');
    // Nothing of the rolled-back copy is visible.
    expect(await pgRows(dst.url, `SELECT count(*) FROM stopped.big`)).toEqual([['0']]);

    await call('POST', `/datasources/${id}/jobs/${jobId}/start`);
    await api.app.runner!.idle();
    expect((await call('GET', `/datasources/${id}/jobs/${jobId}`)).status).toBe('DONE');
    expect(await pgRows(dst.url, `SELECT count(*), count(DISTINCT id), sum(id) FROM stopped.big`)).toEqual([['300000', '300000', String((300000 * 300001) / 2)]]);
  });

  it('schemaOnly creates the tables and copies no rows, and leaves the rows for the next job to copy', async () => {
    const id = await source('pg-schema', 'POSTGRESQL', pgConn(src), { type: 'POSTGRESQL', ...pgConn(dst), database: dst.name });
    await scan(id);
    expect((await runJob(id, { name: 'ddl', srcDbName: 'shop', dstDbName: 'ddl_only', tables: ['customers', 'orders'], schemaOnly: true })).job).toMatchObject({ status: 'DONE', taskDone: 2 });
    expect(await pgRows(dst.url, `SELECT (SELECT count(*) FROM ddl_only.customers), (SELECT count(*) FROM ddl_only.orders)`)).toEqual([['0', '0']]);
    const cols = await pgRows(dst.url, `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'ddl_only' AND table_name = 'orders' ORDER BY ordinal_position`);
    expect(cols).toEqual([['id', 'bigint'], ['region', 'text'], ['dt', 'date'], ['amount', 'numeric'], ['ok', 'boolean'], ['note', 'text'], ['_mms_partition', 'text']]);
    // The catalog still says no data was copied: the next (incremental) job copies every row.
    const tables = await call('GET', `/datasources/${id}/tables?dbName=shop&pageSize=100`);
    expect(tables.objectList.filter((t: any) => ['customers', 'orders'].includes(t.name)).map((t: any) => t.status)).toEqual(['INIT', 'INIT']);
    expect((await runJob(id, { name: 'data', srcDbName: 'shop', dstDbName: 'ddl_only', tables: ['customers', 'orders'] })).job).toMatchObject({ status: 'DONE', taskDone: expect.any(Number) });
    const want = await pgRows(src.url, `SELECT (SELECT count(*) FROM shop.customers), (SELECT count(*) FROM shop.orders)`);
    expect(Number(want[0]![1])).toBeGreaterThan(0);
    expect(await pgRows(dst.url, `SELECT (SELECT count(*) FROM ddl_only.customers), (SELECT count(*) FROM ddl_only.orders)`)).toEqual(want);
  });

  it('refuses a job on tables another running job is migrating', async () => {
    const id = await source('pg-overlap', 'POSTGRESQL', pgConn(src), { type: 'POSTGRESQL', ...pgConn(dst), database: dst.name });
    await scan(id);
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'holder', srcDbName: 'shop', tables: ['big'], dstDbName: 'overlap' });
    await until(async () => (await call('GET', `/datasources/${id}/jobs/${jobId}`)).status === 'DOING');
    const clash = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'clash', srcDbName: 'shop', dstDbName: 'overlap' });
    expect(clash.status).toBe(409);
    expect(clash.body.message).toBe(`job ${jobId} is migrating 'big' right now; stop it or wait for it to finish`);
    expect((await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'apart', srcDbName: 'shop', dstDbName: 'overlap', tables: ['customers'] })).status).toBe(200);
    await call('POST', `/datasources/${id}/jobs/${jobId}/stop`);
    expect((await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'clash', srcDbName: 'shop', dstDbName: 'overlap', tables: ['big'] })).status).toBe(200);
    await api.app.runner!.idle();
  });

  it('verification names a corrupted destination partition', async () => {
    const id = await source('pg-verify', 'POSTGRESQL', pgConn(src), { type: 'POSTGRESQL', ...pgConn(dst), database: dst.name });
    await scan(id);
    await runJob(id, { name: 'copy', srcDbName: 'shop', dstDbName: 'verified', tables: ['orders'] });
    const c = new pg.Client({ connectionString: dst.url });
    await c.connect();
    const { rows: deleted } = await c.query(`DELETE FROM verified.orders WHERE id IN (SELECT id FROM verified.orders WHERE region = 'us' LIMIT 3) RETURNING id`);
    await c.end();
    const { jobId, job } = await runJob(id, { name: 'check', srcDbName: 'shop', dstDbName: 'verified', tables: ['orders'], taskType: 'MC2MC_VERIFY' });
    expect(job.status).toBe('FAILED');
    const [task] = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`)).objectList;
    // The engines' row hashes, bisected, name the missing rows.
    expect(task.errMsg).toMatch(/^verification failed for partition region=us: the source has 1000 rows, the destination 997; rows only at the source: \(id='\d+', region='us', /);
    for (const { id: missing } of deleted) expect(task.errMsg).toContain(`(id='${missing}', region='us'`);
    const parts = (await call('GET', `/datasources/${id}/partitions?tableName=orders`)).objectList;
    expect(parts.find((p: any) => p.value === 'region=us').status).toBe('FAILED');
    expect((await call('GET', `/datasources/${id}/tables?name=orders`)).objectList[0].status).toBe('FAILED');
    const logs = await call('GET', `/datasources/${id}/tasks/${task.id}/logs`);
    expect(logs.at(-1)).toMatchObject({ level: 'ERROR', message: task.errMsg });
    // Retry re-copies the failed task; a verify-only job still copies nothing, so it fails again: honest.
    await call('POST', `/datasources/${id}/jobs/${jobId}/retry`);
    await api.app.runner!.idle();
    expect((await call('GET', `/datasources/${id}/jobs/${jobId}`)).status).toBe('FAILED');
    const repair = await runJob(id, { name: 'repair', srcDbName: 'shop', dstDbName: 'verified', tables: ['orders'], increment: false });
    expect(repair.job.status).toBe('DONE');
    expect(await pgRows(dst.url, `SELECT count(*) FROM verified.orders`)).toEqual([['3000']]);

    // Same row count, one value altered: PostgreSQL's own fingerprints at both ends tell, by default.
    const c2 = new pg.Client({ connectionString: dst.url });
    await c2.connect();
    await c2.query(`UPDATE verified.orders SET note = 'tampered' WHERE id = 4`);
    await c2.end();
    const engines = await runJob(id, { name: 'engine-check', srcDbName: 'shop', dstDbName: 'verified', tables: ['orders'], taskType: 'MC2MC_VERIFY' });
    expect(engines.job.status).toBe('FAILED');
    const [engineTask] = (await call('GET', `/datasources/${id}/tasks?jobId=${engines.jobId}`)).objectList;
    expect(engineTask.errMsg).toBe("verification failed for partition region=us: the row counts match but the contents differ (the row (id='4', region='us') has note 'note 4 ü 'quoted'' at the source but 'tampered' at the destination)");
    // Counts only (the opt-out) cannot tell; OpenMMS's own checksum of what it reads can.
    const counts = await runJob(id, { name: 'counts-only', srcDbName: 'shop', dstDbName: 'verified', tables: ['orders'], taskType: 'MC2MC_VERIFY', others: { 'verify.content': false } });
    expect(counts.job.status).toBe('DONE');
    const deep = await runJob(id, { name: 'deep-check', srcDbName: 'shop', dstDbName: 'verified', tables: ['orders'], taskType: 'MC2MC_VERIFY', others: { 'verify.content': false, 'verify.checksum': true } });
    expect(deep.job.status).toBe('FAILED');
    const [deepTask] = (await call('GET', `/datasources/${id}/tasks?jobId=${deep.jobId}`)).objectList;
    expect(deepTask.errMsg).toMatch(/^verification failed for partition region=us: the row counts match but the contents differ \(checksum [0-9a-f]{16} at the source, [0-9a-f]{16} at the destination\)$/);
    const fixed = await runJob(id, { name: 'deep-copy', srcDbName: 'shop', dstDbName: 'verified', tables: ['orders'], increment: false, others: { 'verify.checksum': true } });
    expect(fixed.job.status).toBe('DONE');
    const [fixedTask] = (await call('GET', `/datasources/${id}/tasks?jobId=${fixed.jobId}`)).objectList;
    const checked = (await call('GET', `/datasources/${id}/tasks/${fixedTask.id}`)).partitions;
    expect(checked.every((p: any) => p.verification.sourceChecksum === p.verification.destinationChecksum)).toBe(true);
    expect(checked.every((p: any) => /^1000:[0-9a-f]+$/.test(p.verification.sourceFingerprint) && p.verification.sourceFingerprint === p.verification.destinationFingerprint)).toBe(true);
  });
});
