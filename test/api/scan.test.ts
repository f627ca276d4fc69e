import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck } from '../../src/connectors/duckdb/connect.js';
import { setPartitionStatus } from '../../src/store/catalog-status.js';
import { mms, TestApi } from '../support/api.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { createPgDatabase, STORE_KINDS } from '../support/stores.js';
import { until } from '../support/processes.js';

async function scan(api: TestApi, sourceId: number, body: unknown = undefined) {
  const created = await api.call('POST', mms(`/datasources/${sourceId}/scans`), body);
  expect(created.status, created.text).toBe(200);
  const scanId = created.body.data.scanId;
  await api.app.scans.idle();
  const done = await api.call('GET', mms(`/datasources/${sourceId}/scans/${scanId}`));
  expect(done.body.data.status, JSON.stringify(done.body.data)).toBe('DONE');
  return done.body.data;
}

const list = async (api: TestApi, path: string) => {
  const res = await api.call('GET', mms(path));
  expect(res.status, res.text).toBe(200);
  return res.body.data.objectList as any[];
};

describe.each(STORE_KINDS)('metadata scan of PostgreSQL into the %s store', (kind) => {
  let api: TestApi;
  let source: Awaited<ReturnType<typeof createPgDatabase>>;
  let admin: pg.Client;
  let sourceId: number;

  beforeAll(async () => {
    source = await createPgDatabase('openmms_scan_src');
    admin = new pg.Client({ connectionString: source.url });
    await admin.connect();
    await admin.query(`
      CREATE SCHEMA shop;
      CREATE TABLE shop.customers (id bigint PRIMARY KEY, name text NOT NULL, joined timestamptz);
      INSERT INTO shop.customers SELECT g, 'c' || g, now() FROM generate_series(1, 25) g;
      CREATE TABLE shop.orders (id bigint, region text, amount numeric(10,2)) PARTITION BY LIST (region);
      CREATE TABLE shop.orders_eu PARTITION OF shop.orders FOR VALUES IN ('eu');
      CREATE TABLE shop.orders_us PARTITION OF shop.orders FOR VALUES IN ('us');
      CREATE TABLE shop.orders_asia PARTITION OF shop.orders FOR VALUES IN ('asia');
      INSERT INTO shop.orders SELECT g, (ARRAY['eu','us','asia'])[1 + g % 3], g FROM generate_series(1, 30) g;
    `);
    api = await TestApi.start(kind);
    const ds = await api.call('POST', mms('/datasources'), { name: 'pg-src', type: 'POSTGRESQL', config: { source: source.conn } });
    expect(ds.status, ds.text).toBe(200);
    sourceId = ds.body.data.dataSourceId;
  });
  afterAll(async () => {
    await api?.close();
    await admin?.end();
    await source?.drop();
  });

  it('scans databases, tables with types, partitions with exact row counts', async () => {
    const result = await scan(api, sourceId);
    expect(result).toMatchObject({ progress: 10000, errorMsg: null, summary: { databases: 2, tables: 2, partitions: 3, updated: 0, dropped: 0 } });
    expect(result.summary.added).toBe(2 + 2 + 3);

    const dbs = await list(api, `/datasources/${sourceId}/dbs`);
    expect(dbs.map((d) => [d.name, d.tableNum, d.partitionNum, d.numRows, d.status])).toEqual([
      ['public', 0, 0, 0, 'INIT'],
      ['shop', 2, 3, 55, 'INIT'],
    ]);
    const tables = await list(api, `/datasources/${sourceId}/tables?dbName=shop`);
    expect(tables.map((t) => [t.name, t.hasPartitions, t.numRows, t.partitionNum, t.status, t.updated])).toEqual([
      ['customers', false, 25, 0, 'INIT', false],
      ['orders', true, 30, 3, 'INIT', false],
    ]);
    expect(tables[0].schema.columns).toEqual([
      { name: 'id', type: 'int64', nativeType: 'bigint', nullable: false, comment: null, defaultValue: null },
      { name: 'name', type: 'string', nativeType: 'text', nullable: false, comment: null, defaultValue: null },
      { name: 'joined', type: 'timestamptz(6)', nativeType: 'timestamp with time zone', nullable: true, comment: null, defaultValue: null },
    ]);
    expect(tables[1].schema.partitions.map((c: any) => c.name)).toEqual(['region']);

    const parts = await list(api, `/datasources/${sourceId}/partitions?tableName=orders&sorter.numRows=desc&pageSize=100`);
    expect(parts.map((p) => [p.value, p.numRows, p.status, p.dbName, p.tableName])).toEqual([
      ['region=asia', 10, 'INIT', 'shop', 'orders'],
      ['region=eu', 10, 'INIT', 'shop', 'orders'],
      ['region=us', 10, 'INIT', 'shop', 'orders'],
    ]);
    const one = await api.call('GET', mms(`/datasources/${sourceId}/partitions/${parts[1].id}`));
    expect(one.body.data).toEqual(parts[1]);
    const ds = await api.call('GET', mms(`/datasources/${sourceId}`));
    expect(ds.body.data).toMatchObject({ dbNum: 2, tableNum: 2, partitionNum: 3 });
    expect(ds.body.data.lastUpdateTime).toMatch(/^\d{4}-\d{2}-\d{2} /);
  });

  it('a re-scan reports exactly the added, changed and dropped partitions', async () => {
    // As if a job had migrated every partition: the table is DONE until the source grows.
    for (const p of await list(api, `/datasources/${sourceId}/partitions?tableName=orders`)) await setPartitionStatus(api.store.db, p.id, 'DONE');
    const tableStatus = async () => (await list(api, `/datasources/${sourceId}/tables?name=orders`))[0].status;
    expect(await tableStatus()).toBe('DONE');
    const before = new Map((await list(api, `/datasources/${sourceId}/partitions?tableName=orders`)).map((p) => [p.value, p.lastDdlTime]));
    const ordersTable = async () => (await list(api, `/datasources/${sourceId}/tables?name=orders`))[0];
    expect((await ordersTable()).updated).toBe(false);
    // lastDdlTime has whole seconds: the changes below come in a later second than the first scan.
    await until(async () => new Date().toISOString().slice(0, 19).replace('T', ' ') > [...before.values()].sort().at(-1)!);
    await admin.query(`
      CREATE TABLE shop.orders_apac PARTITION OF shop.orders FOR VALUES IN ('apac');
      INSERT INTO shop.orders VALUES (100, 'apac', 1);
      UPDATE shop.orders SET amount = amount + 1 WHERE region = 'eu' AND id = 3;
      DROP TABLE shop.orders_asia;
    `);
    const { summary: result } = await scan(api, sourceId);
    expect(result.changes).toEqual([
      { object: 'partition', name: 'shop.orders/region=apac', change: 'added' },
      { object: 'partition', name: 'shop.orders/region=eu', change: 'updated' },
      { object: 'partition', name: 'shop.orders/region=asia', change: 'dropped' },
    ]);
    expect(result).toMatchObject({ added: 1, updated: 1, dropped: 1, partitions: 3 });

    const updated = await list(api, `/datasources/${sourceId}/partitions?updated=true`);
    expect(updated.map((p) => p.value)).toEqual(['region=eu']);
    const dropped = await list(api, `/datasources/${sourceId}/partitions?dropped=true`);
    expect(dropped.map((p) => [p.value, p.dropped])).toEqual([['region=asia', true]]);
    const live = await list(api, `/datasources/${sourceId}/partitions?tableName=orders`);
    expect(live.map((p) => [p.value, p.status]).sort()).toEqual([['region=apac', 'INIT'], ['region=eu', 'DONE'], ['region=us', 'DONE']]);
    expect(await tableStatus()).toBe('PART_DONE');
    // The table changed with its partitions; PostgreSQL keeps no DDL time, so lastDdlTime is when a
    // scan first saw each as it is: later for the added and changed ones, as it was for the others.
    expect((await ordersTable()).updated).toBe(true);
    const after = new Map(live.map((p) => [p.value, p.lastDdlTime]));
    expect(after.get('region=us')).toBe(before.get('region=us'));
    for (const v of ['region=eu', 'region=apac']) expect(after.get(v)! > before.get('region=us')!).toBe(true);
    expect((await ordersTable()).lastDdlTime >= after.get('region=eu')!).toBe(true);
    const since = encodeURIComponent(after.get('region=eu')!);
    expect((await list(api, `/datasources/${sourceId}/partitions?tableName=orders&lastDdlTimeStart=${since}`)).map((p) => p.value).sort()).toEqual(['region=apac', 'region=eu']);

    const again = await scan(api, sourceId);
    expect(again.summary.changes).toEqual([]);
  });

  it('scans one table when asked, and refuses a second scan while one runs', async () => {
    await admin.query(`INSERT INTO shop.customers VALUES (1000, 'late', now())`);
    const first = await api.call('POST', mms(`/datasources/${sourceId}/scans`), { dbName: 'shop', tableNames: ['customers'] });
    const second = await api.call('POST', mms(`/datasources/${sourceId}/scans`));
    expect(second.status).toBe(409);
    expect(second.body.message).toBe(`scan ${first.body.data.scanId} of data source ${sourceId} is still running`);
    await api.app.scans.idle();
    const done = await api.call('GET', mms(`/datasources/${sourceId}/scans/${first.body.data.scanId}`));
    expect(done.body.data).toMatchObject({ status: 'DONE', dbName: 'shop', tableNames: ['customers'] });
    expect(done.body.data.summary.changes).toEqual([{ object: 'table', name: 'shop.customers', change: 'updated' }]);
  });

  it('answers catalog calls with 4xx for bad input', async () => {
    expect((await api.call('GET', mms(`/datasources/${sourceId}/partitions?status=BAD`))).status).toBe(400);
    const twoSorts = await api.call('GET', mms(`/datasources/${sourceId}/partitions?sorter.size=asc&sorter.numRows=desc`));
    expect(twoSorts.body.message).toBe('sort by one field at a time (got sorter.numRows, sorter.size)');
    expect((await api.call('GET', mms(`/datasources/${sourceId}/tables/999999`))).body.code).toBe('TableNotFound');
    expect((await api.call('GET', mms(`/datasources/${sourceId}/scans/999999`))).status).toBe(404);
    const missing = await api.call('POST', mms(`/datasources/${sourceId}/scans`), { dbName: 'nope' });
    await api.app.scans.idle();
    const failed = await api.call('GET', mms(`/datasources/${sourceId}/scans/${missing.body.data.scanId}`));
    expect(failed.body.data).toMatchObject({ status: 'FAILED', errorMsg: "database 'nope' does not exist in the source", result: null });
  });
});

describe('metadata scan of MariaDB and of a Hive-layout lake', () => {
  let api: TestApi;
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-scan-'));

  beforeAll(async () => {
    maria = await createMariaDatabase('openmms_scan_maria');
    await maria.admin.query(`
      CREATE TABLE users (id int PRIMARY KEY, email varchar(100));
      INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x');
      CREATE TABLE sales (id int, region varchar(8)) PARTITION BY LIST COLUMNS (region)
        (PARTITION p_eu VALUES IN ('eu'), PARTITION p_us VALUES IN ('us'), PARTITION p_ap VALUES IN ('ap'));
      INSERT INTO sales VALUES (1, 'eu'), (2, 'eu'), (3, 'us'), (4, 'ap');
    `);
    const duck = await openDuck(':memory:', { readOnly: false });
    for (const [dir, n] of [['dt=2024-01-01', 3], ['dt=2024-01-02', 4], ['dt=2024-01%2F03', 1]] as const) {
      mkdirSync(join(dataDir, 'lake', 'clicks', dir), { recursive: true });
      await duck.all(`COPY (SELECT i AS id FROM range(${n}) t(i)) TO '${join(dataDir, 'lake', 'clicks', dir, 'part-0.parquet')}' (FORMAT PARQUET)`);
    }
    duck.close();
    api = await TestApi.start('sqlite', dataDir);
  });
  afterAll(async () => {
    await api?.close();
    await maria?.drop();
  });

  it('scans MariaDB partitions and reports the changes a re-scan finds', async () => {
    const ds = await api.call('POST', mms('/datasources'), { name: 'maria', type: 'MYSQL', config: { source: { ...MARIADB, database: maria.name } } });
    expect(ds.status, ds.text).toBe(200);
    const id = ds.body.data.dataSourceId;
    const first = await scan(api, id);
    expect(first.summary).toMatchObject({ databases: 1, tables: 2, partitions: 3 });
    const parts = await list(api, `/datasources/${id}/partitions?tableName=sales`);
    expect(parts.map((p) => [p.value, p.numRows])).toEqual([['region=eu', 2], ['region=us', 1], ['region=ap', 1]]);

    await maria.admin.query(`
      ALTER TABLE sales ADD PARTITION (PARTITION p_sa VALUES IN ('sa'));
      UPDATE sales SET id = 30 WHERE region = 'us';
      ALTER TABLE sales DROP PARTITION p_ap;
    `);
    const second = await scan(api, id);
    expect(second.summary.changes).toEqual([
      { object: 'partition', name: `${maria.name}.sales/region=us`, change: 'updated' },
      { object: 'partition', name: `${maria.name}.sales/region=sa`, change: 'added' },
      { object: 'partition', name: `${maria.name}.sales/region=ap`, change: 'dropped' },
    ]);
  });

  it('streams a table of many partitions through in batches', async () => {
    mkdirSync(join(dataDir, 'big'), { recursive: true });
    const duck = await openDuck(':memory:', { readOnly: false });
    await duck.all(`COPY (SELECT i AS id, i % 1200 AS day FROM range(3600) t(i)) TO '${join(dataDir, 'big', 'events')}' (FORMAT PARQUET, PARTITION_BY (day))`);
    duck.close();
    const ds = await api.call('POST', mms('/datasources'), { name: 'big', type: 'LAKE', config: { source: { path: 'big' } } });
    const id = ds.body.data.dataSourceId;
    expect((await scan(api, id)).summary).toMatchObject({ tables: 1, partitions: 1200, added: 1 + 1 + 1200 });
    const res = await api.call('GET', mms(`/datasources/${id}/partitions?pageSize=100&pageNum=12&sorter.numRows=desc`));
    expect(res.body.data.total).toBe(1200);
    expect(res.body.data.objectList.every((p: any) => p.numRows === 3)).toBe(true);
    const [table] = await list(api, `/datasources/${id}/tables`);
    expect(table).toMatchObject({ numRows: 3600, partitionNum: 1200, schema: { partitions: [{ name: 'day', type: 'int64' }] } });
    expect((await scan(api, id)).summary).toMatchObject({ added: 0, updated: 0, dropped: 0, partitions: 1200 });
  });

  it('scans a lake folder written with Hive conventions', async () => {
    const ds = await api.call('POST', mms('/datasources'), { name: 'lake', type: 'LAKE', config: { source: { path: 'lake' } } });
    expect(ds.status, ds.text).toBe(200);
    const id = ds.body.data.dataSourceId;
    expect((await scan(api, id)).summary).toMatchObject({ databases: 1, tables: 1, partitions: 3 });
    const parts = await list(api, `/datasources/${id}/partitions?sorter.numRows=asc`);
    expect(parts.map((p) => [p.value, p.numRows])).toEqual([['dt=2024-01%2F03', 1], ['dt=2024-01-01', 3], ['dt=2024-01-02', 4]]);
    const [table] = await list(api, `/datasources/${id}/tables`);
    expect(table).toMatchObject({ dbName: 'default', name: 'clicks', numRows: 8, hasPartitions: true });
    expect(table.schema.partitions).toEqual([{ name: 'dt', type: 'string', nativeType: 'folder', nullable: false, comment: null, defaultValue: null }]);
  });
});
