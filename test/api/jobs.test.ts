import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { seedCatalog } from '../support/catalog.js';
import { PG_ADMIN_URL, pgConnection, STORE_KINDS } from '../support/stores.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import type { JobStatus } from '../../src/store/schema.js';

/** Field lists of ../shared/reference/ListMmsJobs-api.txt, in its order. */
const JOB_FIELDS = ['id', 'name', 'sourceId', 'dbId', 'sourceName', 'srcDbName', 'srcSchemaName', 'dstDbName', 'dstSchemaName', 'status', 'type', 'taskNum', 'stopped', 'createTime', 'taskDone', 'config', 'eta'];
const CONFIG_FIELDS = ['partitions', 'tables', 'taskType', 'tableBlackList', 'tableWhiteList', 'partitionFilters', 'schemaOnly', 'tableMapping', 'increment', 'enableVerification', 'tunnelQuota', 'columnMapping', 'others'];

describe.each(STORE_KINDS)('jobs API on the %s store', (kind) => {
  let api: TestApi;
  let sourceId: number;
  let partitionIds: Map<string, number>;
  let dbId: number;

  const jobs = (suffix = '') => mms(`/datasources/${sourceId}/jobs${suffix}`);
  const create = async (body: Record<string, unknown>) => {
    const res = await api.call('POST', jobs(), { srcDbName: 'sales', ...body });
    expect(res.status, res.text).toBe(200);
    return res.body.data.jobId as number;
  };
  const list = async (query: string) => {
    const res = await api.call('GET', jobs(`?${query}`));
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };
  const names = async (query: string) => (await list(`pageSize=100&${query}`)).objectList.map((j: any) => j.name).sort();
  const setJob = (id: number, values: { status?: JobStatus; timer_id?: number }) =>
    api.store.db.updateTable('jobs').set(values).where('id', '=', id).execute();

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-jobs-'));
    new SqliteDatabase(join(dataDir, 's.db')).close();
    api = await TestApi.start(kind, dataDir);
    const ds = await api.call('POST', mms('/datasources'), {
      name: 'demo',
      type: 'POSTGRESQL',
      config: {
        source: { ...pgConnection(PG_ADMIN_URL), password: 'hunter2-secret' },
        destination: { type: 'DUCKDB', path: 'dw.duckdb', database: 'dw' },
      },
    });
    sourceId = ds.body.data.dataSourceId;
    ({ dbId, partitionIds } = await seedCatalog(api.store, sourceId, 'sales', [
      { name: 'orders', partitions: ['dt=2024-01-01', 'dt=2024-01-02', 'dt=2024-01-03'] },
      { name: 'customers', columns: ['id', 'c-1'] },
      { name: 'events', partitions: ['dt=2024-01-01/region=eu'] },
      { name: 'audit_log' },
    ]));
    await seedCatalog(api.store, sourceId, 'crm', [{ name: 'accounts' }]);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('creates a job and returns it exactly as ListMmsJobs documents', async () => {
    const id = await create({
      name: 'migrate_orders', type: 'Tables', tables: ['orders', 'customers'], tableMapping: { customers: 'clients' },
      partitionFilters: { orders: "dt >= '2024-01-02'" }, columnMapping: { 'c-1': 'c_1' }, eta: '2025-05-06', others: { 'task.partition.max.num': 8 },
    });
    const got = await api.call('GET', jobs(`/${id}`));
    expect(got.status).toBe(200);
    const job = got.body.data;
    expect(Object.keys(job)).toEqual(JOB_FIELDS);
    expect(Object.keys(job.config)).toEqual(CONFIG_FIELDS);
    expect(job).toMatchObject({
      id, name: 'migrate_orders', sourceId, dbId, sourceName: 'demo', srcDbName: 'sales', srcSchemaName: null,
      dstDbName: 'dw', dstSchemaName: null, status: 'INIT', type: 'Tables', taskNum: 0, stopped: false, taskDone: 0, eta: '2025-05-06',
    });
    expect(job.config).toEqual({
      partitions: [], tables: ['orders', 'customers'], taskType: null, tableBlackList: [], tableWhiteList: [],
      partitionFilters: { orders: "dt >= '2024-01-02'" }, schemaOnly: false, tableMapping: { customers: 'clients' },
      increment: true, enableVerification: true, tunnelQuota: null, columnMapping: { 'c-1': 'c_1' }, others: { 'task.partition.max.num': 8 },
    });

    const listed = await api.call('GET', jobs(`?name=migrate_orders`));
    expect(Object.keys(listed.body)).toEqual(['requestId', 'data']);
    expect(Object.keys(listed.body.data)).toEqual(['total', 'objectList', 'pageNum', 'pageSize']);
    expect(listed.body.data.objectList).toEqual([job]);
  });

  it('refuses a job that names what the catalog does not have, or maps badly', async () => {
    const p1 = partitionIds.get('orders/dt=2024-01-01');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'x', srcDbName: 'nope' }, /srcDbName: database 'nope' is not in the catalog of data source \d+; run a metadata scan first/],
      [{ name: 'x', tables: ['orders', 'ghost'] }, /tables\[1\]: table 'ghost' is not in the catalog of this database/],
      [{ name: 'x', type: 'Tables' }, /tables must list at least one table when type is Tables/],
      [{ name: 'x', type: 'Database', tables: ['orders'] }, /tables is only valid when type is Tables \(type is Database\)/],
      [{ name: 'x', partitions: [p1, 987654] }, /partitions\[1\]: partition 987654 is not in the catalog of this database/],
      // Given both lists, only the black list applies; each is still checked against the catalog.
      [{ name: 'x', tableWhiteList: ['ghost'], tableBlackList: ['orders'] }, /tableWhiteList\[0\]: table 'ghost' is not in the catalog of this database/],
      [{ name: 'x', tables: ['orders', 'customers'], tableMapping: { orders: 'customers' } }, /tables 'customers' and 'orders' would both be written to 'customers'|tables 'orders' and 'customers' would both be written to 'customers'/],
      [{ name: 'x', tables: ['orders'], tableMapping: { customers: 'c' } }, /tableMapping: table 'customers' is not one of the tables this job migrates/],
      [{ name: 'x', tables: ['orders'], partitionFilters: { events: "dt = '1'" } }, /partitionFilters: table 'events' is not one of the tables/],
      [{ name: 'x', tables: ['orders'], partitionFilters: { orders: "dt >= '2024' and (region = 'eu'" } }, /partitionFilters\['orders'\]: expected '\)' but found the end of the filter at position 32/],
      [{ name: 'x', tables: ['orders'], partitionFilters: { orders: "day = '1'" } }, /partitionFilters\['orders'\]: 'day' is not a partition column \(partition columns: dt\) at position 1/],
      [{ name: 'x', tables: ['orders'], columnMapping: { a: 'z', b: 'z' } }, /columnMapping: columns 'a' and 'b' would both be written to 'z'/],
      [{ name: 'x', increment: 'yes' }, /parameter 'body.increment' must be boolean/],
      [{ name: 'x', eta: 'tomorrow' }, /parameter 'body.eta' must be a real date and time/],
      [{ name: 'x', eta: '2024-13-45 25:61' }, /parameter 'body.eta' must be a real date and time/],
      [{ name: 'x', eta: '2023-02-29' }, /parameter 'body.eta' must be a real date and time/],
      [{ name: 'x', retries: 3 }, /unknown parameter 'body.retries'/],
      // Items and keys named as the caller wrote them, never as the validator's internal path.
      [{ name: 'x', tables: ['orders', 5] }, /^parameter 'body\.tables\[1\]' must be string$/],
      [{ name: 'x', tables: ['orders'], partitionFilters: { 'dt.x': 5 } }, /^parameter 'body\.partitionFilters\['dt\.x'\]' must be string$/],
      [{ name: 'x', sourceId: 424242 }, /body sourceId 424242 does not match the path's data source/],
      [{ name: '' }, /parameter 'body.name' must NOT have fewer than 1 characters/],
    ];
    for (const [body, message] of cases) {
      const res = await api.call('POST', jobs(), { srcDbName: 'sales', ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('InvalidParameter');
      expect(res.body.message).toMatch(message);
    }
    await create({ name: 'unique-name' });
    const dup = await api.call('POST', jobs(), { srcDbName: 'sales', name: 'unique-name' });
    expect(dup.status).toBe(409);
    const unknownSource = await api.call('POST', mms('/datasources/777777/jobs'), { srcDbName: 'sales', name: 'x' });
    expect(unknownSource.status).toBe(404);
  });

  it('derives the type and the covered tables from the scope', async () => {
    const dbJob = await create({ name: 'scope-db', tableBlackList: ['audit_log'] });
    const partJob = await create({ name: 'scope-parts', partitions: [partitionIds.get('events/dt=2024-01-01/region=eu')] });
    expect((await api.call('GET', jobs(`/${dbJob}`))).body.data.type).toBe('Database');
    expect((await api.call('GET', jobs(`/${partJob}`))).body.data.type).toBe('Partitions');
    const covered = await api.store.db.selectFrom('job_tables').select('src_table_name').where('job_id', '=', dbJob).orderBy('src_table_name').execute();
    expect(covered.map((r) => r.src_table_name)).toEqual(['customers', 'events', 'orders']);
  });

  it('previews what a job would cover without creating it (PreviewMmsJob)', async () => {
    const preview = async (body: Record<string, unknown>) => api.call('POST', jobs('/preview'), { srcDbName: 'sales', ...body });
    const before = (await api.call('GET', jobs('?pageSize=1'))).body.data.total;
    const res = await preview({ tables: ['orders', 'customers'], partitionFilters: { orders: "dt >= '2024-01-02'" }, tableMapping: { customers: 'clients' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({
      type: 'Tables', tableNum: 2, partitionMatched: 2, partitionToCopy: 2, taskNum: 2, size: 0,
      tables: expect.arrayContaining([
        { srcTableName: 'orders', dstTableName: 'orders', partitioned: true, partitionNum: 3, partitionMatched: 2, partitionToCopy: 2, toCopy: true },
        { srcTableName: 'customers', dstTableName: 'clients', partitioned: false, partitionNum: 0, partitionMatched: 0, partitionToCopy: 0, toCopy: true },
      ]),
    });
    // Increment skips partitions already DONE and unchanged; a verify-only job checks them all the same.
    const done = partitionIds.get('orders/dt=2024-01-03')!;
    await api.store.db.updateTable('catalog_partitions').set({ status: 'DONE' }).where('id', '=', done).execute();
    expect((await preview({ tables: ['orders'] })).body.data).toMatchObject({ partitionMatched: 3, partitionToCopy: 2, taskNum: 1 });
    expect((await preview({ tables: ['orders'], increment: false })).body.data).toMatchObject({ partitionMatched: 3, partitionToCopy: 3 });
    expect((await preview({ tables: ['orders'], taskType: 'MC2MC_VERIFY' })).body.data).toMatchObject({ partitionToCopy: 3 });
    await api.store.db.updateTable('catalog_partitions').set({ status: 'INIT' }).where('id', '=', done).execute();
    // The same checks as CreateMmsJob, with the filter's position.
    const bad = await preview({ tables: ['orders'], partitionFilters: { orders: "day = '1'" } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe("partitionFilters['orders']: 'day' is not a partition column (partition columns: dt) at position 1");
    expect((await preview({ name: 'named', tables: ['ghost'] })).body.message).toBe("tables[0]: table 'ghost' is not in the catalog of this database");
    expect((await api.call('GET', jobs('?pageSize=1'))).body.data.total).toBe(before);
  });

  describe('ListMmsJobs filters, paging and sorting', () => {
    let ids: Record<string, number>;
    beforeAll(async () => {
      await api.store.db.deleteFrom('jobs').execute();
      ids = {
        a: await create({ name: 'nightly_orders', tables: ['orders'] }),
        b: await create({ name: 'Nightly_Customers', tables: ['customers'], tableMapping: { customers: 'clients' }, dstDbName: 'mart' }),
        c: await create({ name: 'events_100%', tables: ['events'] }),
        d: await create({ name: 'crm_all', srcDbName: 'crm' }),
        e: await create({ name: 'full_sales' }),
      };
      await setJob(ids.a!, { status: 'DONE', timer_id: 7 });
      await setJob(ids.b!, { status: 'FAILED' });
      await setJob(ids.c!, { status: 'DOING', timer_id: 7 });
      await api.call('POST', jobs(`/${ids.d}/stop`));
    });

    it('filters by name (contains, case-insensitive, % is literal)', async () => {
      expect(await names('name=nightly')).toEqual(['Nightly_Customers', 'nightly_orders']);
      expect(await names('name=100%25')).toEqual(['events_100%']);
      expect(await names('name=_')).toEqual(['Nightly_Customers', 'crm_all', 'events_100%', 'full_sales', 'nightly_orders']);
      expect(await names('name=s_1')).toEqual(['events_100%']);
    });

    it('filters by source and destination database and table', async () => {
      expect(await names('srcDbName=crm')).toEqual(['crm_all']);
      expect(await names('dstDbName=mart')).toEqual(['Nightly_Customers']);
      expect(await names('srcTableName=orders')).toEqual(['full_sales', 'nightly_orders']);
      expect(await names('srcTableName=customers')).toEqual(['Nightly_Customers', 'full_sales']);
      expect(await names('dstTableName=clients')).toEqual(['Nightly_Customers']);
      expect(await names('dstTableName=customers')).toEqual(['full_sales']);
      expect(await names('srcTableName=accounts&srcDbName=sales')).toEqual([]);
    });

    it('finds a job by a destination database one of its tables is mapped to, not by one it no longer writes', async () => {
      const tableId = async (name: string) => (await api.call('GET', mms(`/datasources/${sourceId}/tables?dbName=sales&name=${name}`))).body.data.objectList.find((t: any) => t.name === name).id;
      const map = async (name: string, db: string) => expect((await api.call('PUT', mms(`/datasources/${sourceId}/tables/${await tableId(name)}`), { dstProjectName: db })).status).toBe(200);
      await map('audit_log', 'archive');
      const id = await create({ name: 'mapped_out', tables: ['audit_log'], dstDbName: 'attic' });
      try {
        expect(await names('dstDbName=archive')).toEqual(['mapped_out']);
        expect(await names('dstDbName=attic')).toEqual([]);
      } finally {
        await api.call('POST', jobs(`/${id}`));
        await map('audit_log', '');
      }
    });

    it('filters by status, stopped and timerId, alone and together', async () => {
      expect(await names('status=DONE')).toEqual(['nightly_orders']);
      expect(await names('status=INIT')).toEqual(['crm_all', 'full_sales']);
      // Any of several: a JSON array (as the catalog lists take it), a comma list, or repeated.
      for (const q of [`status=${encodeURIComponent('["DONE","FAILED"]')}`, 'status=DONE,FAILED', 'status=DONE&status=FAILED']) {
        expect([q, await names(q)]).toEqual([q, ['Nightly_Customers', 'nightly_orders']]);
      }
      expect(await names('stopped=1')).toEqual(['crm_all']);
      expect(await names('stopped=true')).toEqual(['crm_all']);
      expect(await names('stopped=0')).toEqual(['Nightly_Customers', 'events_100%', 'full_sales', 'nightly_orders']);
      expect(await names('timerId=7')).toEqual(['events_100%', 'nightly_orders']);
      expect(await names('timerId=7&status=DOING')).toEqual(['events_100%']);
      expect(await names('timerId=8')).toEqual([]);
    });

    it('pages: newest first, last page, page beyond the end, size limits', async () => {
      const all = await list('pageSize=100');
      expect(all.total).toBe(5);
      expect(all.objectList.map((j: any) => j.id)).toEqual([ids.e, ids.d, ids.c, ids.b, ids.a]);
      expect(await list('')).toMatchObject({ total: 5, pageNum: 1, pageSize: 10 });
      const last = await list('pageNum=3&pageSize=2');
      expect(last).toMatchObject({ total: 5, pageNum: 3, pageSize: 2 });
      expect(last.objectList.map((j: any) => j.id)).toEqual([ids.a]);
      const beyond = await list('pageNum=9&pageSize=2');
      expect(beyond).toEqual({ total: 5, objectList: [], pageNum: 9, pageSize: 2 });
      expect((await list('pageSize=1&status=INIT')).total).toBe(2);
    });

    it('sorts by status both ways, ties newest first', async () => {
      const asc = (await list('sorter.status=asc')).objectList.map((j: any) => `${j.status}:${j.name}`);
      expect(asc).toEqual(['DOING:events_100%', 'DONE:nightly_orders', 'FAILED:Nightly_Customers', 'INIT:full_sales', 'INIT:crm_all']);
      const desc = (await list('sorter.status=desc')).objectList.map((j: any) => j.status);
      expect(desc).toEqual(['INIT', 'INIT', 'FAILED', 'DONE', 'DOING']);
    });

    it('answers every bad query with a 4xx envelope, never a 500', async () => {
      const cases: [string, number, RegExp][] = [
        ['pageSize=0', 400, /parameter 'pageSize' must be >= 1/],
        ['pageSize=101', 400, /parameter 'pageSize' must be <= 100/],
        ['pageNum=0', 400, /parameter 'pageNum' must be >= 1/],
        ['pageNum=-1', 400, /parameter 'pageNum' must be >= 1/],
        ['pageNum=abc', 400, /parameter 'pageNum' must be integer/],
        ['pageSize=1.5', 400, /parameter 'pageSize' must be integer/],
        ['status=RUNNING', 400, /parameter 'status' must be equal to one of the allowed values: INIT, DOING, DONE, FAILED/],
        ['stopped=maybe', 400, /parameter 'stopped' must be equal to one of the allowed values/],
        ['timerId=x', 400, /parameter 'timerId' must be integer/],
        ['sorter.status=up', 400, /parameter 'sorter.status' must be equal to one of the allowed values: asc, desc/],
        ['sorter.name=asc', 400, /unknown parameter 'sorter.name'/],
        ['pagesize=10', 400, /unknown parameter 'pagesize'/],
      ];
      for (const [query, status, message] of cases) {
        const res = await api.call('GET', jobs(`?${query}`));
        expect(res.status, query).toBe(status);
        expect(res.body.code).toBe('InvalidParameter');
        expect(res.body.message, query).toMatch(message);
      }
      const unknown = await api.call('GET', mms('/datasources/999999/jobs'));
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ code: 'DataSourceNotFound' });
      const notInt = await api.call('GET', mms('/datasources/1.5/jobs'));
      expect(notInt.status).toBe(400);
    });
  });

  describe('start, stop, retry and delete', () => {
    it('follows the job state machine and refuses what does not apply', async () => {
      const id = await create({ name: 'lifecycle', tables: ['orders'] });
      const act = (action: string) => api.call('POST', jobs(`/${id}/${action}`));
      const state = async () => {
        const { status, stopped } = (await api.call('GET', jobs(`/${id}`))).body.data;
        return { status, stopped };
      };

      expect((await act('retry')).body.message).toBe(`job ${id} is INIT; only a FAILED job can be retried`);
      expect((await act('stop')).body.data).toBe(id);
      expect(await state()).toEqual({ status: 'INIT', stopped: true });
      expect((await act('stop')).status).toBe(200);
      expect((await act('start')).status).toBe(200);
      expect(await state()).toEqual({ status: 'INIT', stopped: false });

      await setJob(id, { status: 'DOING' });
      const del = await api.call('DELETE', jobs(`/${id}`));
      expect(del.status).toBe(409);
      expect(del.body.message).toBe(`job ${id} is running; stop it before deleting it`);
      const dsDel = await api.call('DELETE', mms(`/datasources/${sourceId}`));
      expect(dsDel.status).toBe(409);
      expect(dsDel.body.message).toMatch(/has running job \d+; stop it before deleting the data source/);

      await setJob(id, { status: 'FAILED' });
      const start = await act('start');
      expect(start.status).toBe(409);
      expect(start.body.message).toBe(`job ${id} has FAILED; use RetryMmsJob to re-run its failed tasks`);
      expect((await act('retry')).status).toBe(200);
      expect(await state()).toEqual({ status: 'INIT', stopped: false });

      await setJob(id, { status: 'DONE' });
      expect((await act('stop')).status).toBe(409);
      expect((await act('start')).status).toBe(200); // runs it again
      expect(await state()).toEqual({ status: 'INIT', stopped: false });
      await setJob(id, { status: 'DONE' });

      expect((await api.call('DELETE', jobs(`/${id}`))).body.data).toBe(id);
      expect((await api.call('GET', jobs(`/${id}`))).status).toBe(404);
      expect((await act('start')).status).toBe(404);
    });

    it('accepts an empty JSON body on the action calls', async () => {
      const id = await create({ name: 'empty-body', tables: ['orders'] });
      const res = await api.call('POST', jobs(`/${id}/stop`), '');
      expect(res.status).toBe(200);
    });

    it('deleting the data source deletes its jobs and catalog', async () => {
      const ds = await api.call('POST', mms('/datasources'), { name: 'short-lived', type: 'SQLITE', config: { source: { path: 's.db' } } });
      const id = ds.body.data.dataSourceId;
      await seedCatalog(api.store, id, 'main', [{ name: 't' }]);
      const job = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'j', srcDbName: 'main' });
      expect(job.status).toBe(200);
      expect((await api.call('DELETE', mms(`/datasources/${id}`))).status).toBe(200);
      const left = await api.store.db.selectFrom('jobs').select('id').where('source_id', '=', id).execute();
      const dbs = await api.store.db.selectFrom('catalog_dbs').select('id').where('source_id', '=', id).execute();
      expect([left, dbs]).toEqual([[], []]);
    });
  });

  it('never shows a connection password in a response', () => {
    for (const text of api.responses) expect(text).not.toContain('hunter2-secret');
  });
});
