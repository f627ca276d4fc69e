import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApi } from '../support/api.js';
import { until } from '../support/processes.js';
import { createPgDatabase } from '../support/stores.js';
import { MODELS, type Model } from './models.js';
import { conforms, contractApi, ok } from './harness.js';
import type { Scheme, SdkCall } from './sdk-client.js';

/**
 * The catalog calls as the SDK sends them (status as one JSON array, ListMmsDbs' sorter as a JSON
 * object), answered in the reference's models, and the destination mapping they set used by jobs.
 */
describe.each<Scheme>(['v3', 'roa'])('the MMS catalog calls, signed %s', (scheme) => {
  let api: TestApi;
  let call: SdkCall;
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-contract-catalog-'));
  let sourceId: number;

  beforeAll(async () => {
    src = await createPgDatabase('openmms_contract_catalog');
    execFileSync('psql', [src.url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', `
      CREATE TABLE orders (id int, region text) PARTITION BY LIST (region);
      CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
      CREATE TABLE orders_us PARTITION OF orders FOR VALUES IN ('us');
      INSERT INTO orders VALUES (1, 'eu'), (2, 'us'), (3, 'us');
      CREATE TABLE customers (id int, name text); INSERT INTO customers VALUES (1, 'a');`]);
    ({ api, call } = await contractApi(dataDir, scheme));
    const created = await call('CreateMmsDataSource', 'POST', '/datasources', { body: { name: `catalog-${scheme}`, type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'DUCKDB', path: 'copy.duckdb' } } } });
    sourceId = created.body.data.dataSourceId;
    const { scanId } = (await call('CreateMmsFetchMetadataJob', 'POST', `/datasources/${sourceId}/scans`, { body: {} })).body.data;
    await until(async () => (await call('GetMmsFetchMetadataJob', 'GET', `/datasources/${sourceId}/scans/${scanId}`)).body.data.status === 'DONE');
  });
  afterAll(async () => {
    await api?.close();
    await src?.drop();
  });

  const page = (data: { objectList: unknown[] }, model: Model, where: string) => {
    conforms(data, MODELS.Page, where);
    for (const row of data.objectList) conforms(row, model, `${where} row`);
    return data.objectList as any[];
  };
  const list = async (action: string, what: string, query: Record<string, string | number>) => ok(await call(action, 'GET', `/datasources/${sourceId}/${what}`, { query }));
  const duckTables = async () => {
    const instance = await DuckDBInstance.create(join(dataDir, 'copy.duckdb'), { access_mode: 'READ_ONLY' });
    const c = await instance.connect();
    const rows = (await c.runAndReadAll(`SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1`)).getRows().map((r) => r[0]);
    c.closeSync();
    instance.closeSync();
    return rows;
  };
  const runJob = async (body: object) => {
    const { asyncTaskId } = ok(await call('CreateMmsJob', 'POST', `/datasources/${sourceId}/jobs`, { body }));
    const jobId = ok(await call('GetMmsAsyncTask', 'GET', `/datasources/${sourceId}/asyncTasks/${asyncTaskId}`)).objectId;
    await until(async () => ['DONE', 'FAILED'].includes(ok(await call('GetMmsJob', 'GET', `/datasources/${sourceId}/jobs/${jobId}`)).status));
    return { job: ok(await call('GetMmsJob', 'GET', `/datasources/${sourceId}/jobs/${jobId}`)), tasks: (await list('ListMmsTasks', 'tasks', { jobId })).objectList };
  };

  it('ListMmsDbs (sorter as one JSON object) and GetMmsDb answer the Db model', async () => {
    const dbs = page(await list('ListMmsDbs', 'dbs', { sorter: JSON.stringify({ numRows: 'desc' }), status: 'INIT', pageNum: 1, pageSize: 10 }), MODELS.Db, 'ListMmsDbs');
    const db = dbs.find((d) => d.name === 'public');
    expect(db).toMatchObject({ tables: 2, tablesDone: 0, partitions: 2, dstProjectName: 'main', deleted: false });
    conforms(ok(await call('GetMmsDb', 'GET', `/datasources/${sourceId}/dbs/${db.id}`)), MODELS.Db, 'GetMmsDb');
  });

  it('ListMmsTables and ListMmsPartitions take status as one JSON array and flattened sorters, and answer their models', async () => {
    const tables = page(await list('ListMmsTables', 'tables', { dbName: 'public', status: JSON.stringify(['INIT', 'FAILED']), 'sorter.numRows': 'desc', onlyName: 'false' }), MODELS.Table, 'ListMmsTables');
    expect(tables.map((t) => t.name).sort()).toEqual(['customers', 'orders']);
    // onlyName: each row carries its id and name, nothing else (the SDK leaves the other fields unset).
    const names = await list('ListMmsTables', 'tables', { dbName: 'public', onlyName: 'true', 'sorter.numRows': 'desc' });
    conforms(names, MODELS.Page, 'ListMmsTables onlyName');
    expect(names.objectList).toEqual(tables.map((t) => ({ id: t.id, name: t.name })));
    conforms(ok(await call('GetMmsTable', 'GET', `/datasources/${sourceId}/tables/${tables[0].id}`)), MODELS.Table, 'GetMmsTable');
    expect(await list('ListMmsTables', 'tables', { status: JSON.stringify(['DONE']) })).toMatchObject({ total: 0 });
    const parts = page(await list('ListMmsPartitions', 'partitions', { tableName: 'orders', status: JSON.stringify(['INIT']), 'sorter.size': 'asc' }), MODELS.Partition, 'ListMmsPartitions');
    expect(parts.map((p) => p.value).sort()).toEqual(['region=eu', 'region=us']);
    conforms(ok(await call('GetMmsPartition', 'GET', `/datasources/${sourceId}/partitions/${parts[0].id}`)), MODELS.Partition, 'GetMmsPartition');
    const bad = await call('ListMmsTables', 'GET', `/datasources/${sourceId}/tables`, { query: { status: '["INIT"' } });
    expect([bad.status, bad.body.code]).toEqual([400, 'InvalidParameter']);
    const unknown = await call('ListMmsTables', 'GET', `/datasources/${sourceId}/tables`, { query: { status: '["INIT","NOPE"]' } });
    expect([unknown.status, unknown.body.message]).toEqual([400, "parameter 'status' must be equal to one of the allowed values: INIT, DOING, DONE, FAILED, PART_DONE"]);
  });

  it('UpdateMmsDb and UpdateMmsTable map destinations; the next job writes there', async () => {
    const [db] = (await list('ListMmsDbs', 'dbs', { name: 'public' })).objectList;
    const [orders] = (await list('ListMmsTables', 'tables', { name: 'orders' })).objectList;
    expect(ok(await call('UpdateMmsDb', 'PUT', `/datasources/${sourceId}/dbs/${db.id}`, { body: { dstProjectName: 'target' } }))).toBe(db.id);
    expect(ok(await call('UpdateMmsTable', 'PUT', `/datasources/${sourceId}/tables/${orders.id}`, { body: { dstProjectName: 'mapped', dstName: 'orders_copy' } }))).toBe(orders.id);
    expect(ok(await call('GetMmsTable', 'GET', `/datasources/${sourceId}/tables/${orders.id}`))).toMatchObject({ dstProjectName: 'mapped', dstName: 'orders_copy' });
    expect((await list('ListMmsTables', 'tables', { dstProjectName: 'target' })).objectList.map((t: { name: string }) => t.name)).toEqual(['customers']);
    const [part] = (await list('ListMmsPartitions', 'partitions', { tableName: 'orders' })).objectList;
    expect(part).toMatchObject({ dstProjectName: 'mapped', dstTableName: 'orders_copy', dstValue: part.value });

    const { job, tasks } = await runJob({ name: 'mapped', srcDbName: 'public' });
    expect(job.status).toBe('DONE');
    expect(tasks.map((t: any) => `${t.srcTableName} → ${t.dstDbName}.${t.dstTableName}`).sort()).toEqual(['customers → target.customers', 'orders → mapped.orders_copy']);
    expect(await duckTables()).toEqual(['mapped.orders_copy', 'target.customers']);
    expect((await list('ListMmsTables', 'tables', { status: JSON.stringify(['DONE']) })).total).toBe(2);
  });

  it('UpdateMmsTables sets INIT on tables named in a db: the next incremental job copies them again, and only them (the others it compares)', async () => {
    expect(ok(await call('UpdateMmsTables', 'PUT', `/datasources/${sourceId}/tables`, { body: { dbName: 'public', tableNames: ['orders'], status: 'INIT' } }))).toBe(1);
    expect((await list('ListMmsPartitions', 'partitions', { status: JSON.stringify(['INIT']) })).total).toBe(2);
    const [db] = (await list('ListMmsDbs', 'dbs', { name: 'public' })).objectList;
    expect(db).toMatchObject({ status: 'PART_DONE', tablesDone: 1 });
    const { job, tasks } = await runJob({ name: 'again', srcDbName: 'public' });
    expect(job.status).toBe('DONE');
    expect(tasks.filter((t: any) => t.rows > 0).map((t: any) => t.srcTableName)).toEqual(['orders']);
  });
});
