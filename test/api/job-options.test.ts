import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { psqlLines } from '../support/cli-read.js';
import { until } from '../support/processes.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

/**
 * CreateMmsJob's options are honoured or refused, never stored and ignored: enableDataMigration,
 * enableSchemaMigration (also through a timer's template), tunnelQuota, and the `others` keys.
 * The destination is read with psql.
 */
describe('job options: honoured or refused', () => {
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  let api: TestApi;
  let sourceId: number;
  const post = (path: string, body: unknown) => api.call('POST', mms(`/datasources/${sourceId}${path}`), body);
  const get = async (path: string) => (await api.call('GET', mms(`/datasources/${sourceId}${path}`))).body.data;
  const job = async (body: Record<string, unknown>) => {
    const res = await post('/jobs', { srcDbName: 'public', tables: ['t'], increment: false, ...body });
    expect(res.status, res.text).toBe(200);
    const { jobId } = res.body.data;
    await until(async () => ['DONE', 'FAILED'].includes((await get(`/jobs/${jobId}`)).status));
    return { job: await get(`/jobs/${jobId}`), task: (await get(`/tasks?jobId=${jobId}`)).objectList[0] };
  };
  const atDestination = async (sql: string) => (await psqlLines(dst.url, sql)).trim();

  beforeAll(async () => {
    [src, dst] = await Promise.all([createPgDatabase('openmms_opts_src'), createPgDatabase('openmms_opts_dst')]);
    await pgQuery(src.url, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'); CREATE TABLE u (id int); CREATE TABLE w (id int)");
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-options-')), { runJobs: true });
    sourceId = (await api.call('POST', mms('/datasources'), { name: 'opts', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } })).body.data.dataSourceId;
    await api.call('POST', mms(`/datasources/${sourceId}/scans`));
    await api.app.scans.idle();
  });
  afterAll(async () => {
    await api?.close();
    await src?.drop();
    await dst?.drop();
  });

  it('enableDataMigration false creates the table and copies no row', async () => {
    const { job: j, task } = await job({ name: 'schema-only', dstDbName: 'no_data', enableDataMigration: false });
    expect([j.status, task.status, j.config.schemaOnly]).toEqual(['DONE', 'DONE', true]);
    expect(await atDestination("SELECT count(*) FROM no_data.t")).toBe('0');
    expect(await atDestination("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'no_data.t'::regclass AND attnum > 0")).toBe('id,v');
  });

  it('enableSchemaMigration false creates and alters nothing: a missing table or column fails its task naming it, a table as needed is filled', async () => {
    const missing = await job({ name: 'no-table', dstDbName: 'absent', enableSchemaMigration: false });
    expect([missing.job.config.enableSchemaMigration, missing.task.status, missing.task.errMsg]).toEqual([
      false,
      'SCHEMA_FAILED',
      expect.stringContaining('the destination table absent.t does not exist, and the job may not create or alter destination tables (enableSchemaMigration is false)'),
    ]);
    expect(await atDestination("SELECT count(*) FROM pg_namespace WHERE nspname = 'absent'")).toBe('0');

    await pgQuery(dst.url, 'CREATE SCHEMA lacking; CREATE TABLE lacking.t (id int); CREATE SCHEMA ready; CREATE TABLE ready.t (v text, id int, note text)');
    const lacking = await job({ name: 'no-column', dstDbName: 'lacking', enableSchemaMigration: false });
    expect([lacking.task.status, lacking.task.errMsg]).toEqual(['SCHEMA_FAILED', expect.stringContaining('the destination table lacking.t lacks the column v, and')]);
    expect(await atDestination("SELECT count(*) FROM pg_attribute WHERE attrelid = 'lacking.t'::regclass AND attnum > 0")).toBe('1');

    const ready = await job({ name: 'as-needed', dstDbName: 'ready', enableSchemaMigration: false });
    expect(ready.task.status).toBe('DONE');
    expect(await atDestination("SELECT string_agg(id || ':' || v || ':' || coalesce(note, '-'), ',' ORDER BY id) FROM ready.t")).toBe('1:a:-,2:b:-,3:c:-');
    // Nor indexes: not even the one an increment gives a keyed table for its lookups.
    await pgQuery(src.url, "UPDATE t SET v = 'B' WHERE id = 2");
    const again = await job({ name: 'as-needed-again', dstDbName: 'ready', enableSchemaMigration: false, increment: true });
    expect(again.task.status).toBe('DONE');
    expect(await atDestination("SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM ready.t")).toBe('1:a,2:B,3:c');
    expect(await atDestination("SELECT count(*) FROM pg_indexes WHERE schemaname = 'ready'")).toBe('0');
    await pgQuery(src.url, "UPDATE t SET v = 'b' WHERE id = 2");
  });

  it('a timer keeps enableSchemaMigration false in the jobs it makes', async () => {
    const res = await post('/timers', { name: 'keeps-schema', srcDbName: 'public', scheduleType: 'Daily', value: '03:00', tables: ['t'], dstDbName: 'ready', enableSchemaMigration: false });
    expect(res.status, res.text).toBe(200);
    const { timerId } = res.body.data;
    expect((await post(`/timers/${timerId}/trigger`, undefined)).status).toBe(200);
    const [made] = (await get(`/jobs?timerId=${timerId}`)).objectList;
    expect(made.config.enableSchemaMigration).toBe(false);
    await until(async () => (await get(`/jobs/${made.id}`)).status === 'DONE');
  });

  it('given a white list and a black list, applies only the black list', async () => {
    const tables = async (lists: Record<string, string[]>) => {
      const res = await post('/jobs/preview', { srcDbName: 'public', ...lists });
      expect(res.status, res.text).toBe(200);
      return res.body.data.tables.map((t: { srcTableName: string }) => t.srcTableName).sort();
    };
    expect(await tables({ tableWhiteList: ['t', 'u'] })).toEqual(['t', 'u']);
    expect(await tables({ tableBlackList: ['u'] })).toEqual(['t', 'w']);
    expect(await tables({ tableWhiteList: ['t'], tableBlackList: ['u'] })).toEqual(['t', 'w']);
  });

  it('refuses a schema, a naming level OpenMMS does not have, wherever MMS takes one', async () => {
    const db = (await get('/dbs')).objectList.find((d: { name: string }) => d.name === 'public');
    const table = (await get('/tables?name=t')).objectList[0];
    const calls: [string, string, string, Record<string, unknown>][] = [
      ['POST', '/jobs', 'srcSchemaName', { name: 's', srcDbName: 'public', tables: ['t'], srcSchemaName: 'default' }],
      ['POST', '/jobs', 'dstSchemaName', { name: 's', srcDbName: 'public', tables: ['t'], dstSchemaName: 'default' }],
      ['POST', '/jobs/preview', 'dstSchemaName', { srcDbName: 'public', tables: ['t'], dstSchemaName: 'sales' }],
      ['PUT', `/dbs/${db.id}`, 'dstName', { dstName: 'default' }],
      ['PUT', `/tables/${table.id}`, 'dstSchemaName', { dstSchemaName: 'default' }],
      ['PUT', '/tables', 'dstSchemaName', { dbName: 'public', tableNames: ['t'], dstSchemaName: 'default' }],
    ];
    for (const [method, path, field, body] of calls) {
      const res = await api.call(method as 'POST', mms(`/datasources/${sourceId}${path}`), body);
      expect([path, res.status, res.body.message]).toEqual([path, 400, expect.stringMatching(new RegExp(`^${field}: '\\w+' names a schema, a third naming level OpenMMS sources and destinations do not have`))]);
    }
    // Empty: nothing asked.
    expect((await api.call('PUT', mms(`/datasources/${sourceId}/tables/${table.id}`), { dstSchemaName: '' })).status).toBe(200);
    expect((await get(`/tables/${table.id}`)).dstSchemaName).toBe(null);
  });

  it('takes neither name nor srcDbName, as the reference allows: the catalog\'s only database, and a name of its own', async () => {
    const res = await post('/jobs', { tables: ['t'], enableDataMigration: false });
    expect(res.status, res.text).toBe(200);
    const made = await get(`/jobs/${res.body.data.jobId}`);
    expect([made.srcDbName, made.name]).toEqual(['public', expect.stringMatching(/^public-\d{8}T\d{9}Z$/)]);
    // With two databases in the catalog, it must be named.
    await pgQuery(src.url, 'CREATE SCHEMA second; CREATE TABLE second.x (id int)');
    await api.call('POST', mms(`/datasources/${sourceId}/scans`));
    await api.app.scans.idle();
    const unnamed = await post('/jobs/preview', { tables: ['t'] });
    expect([unnamed.status, unnamed.body.message]).toEqual([400, `srcDbName: data source ${sourceId} has 2 databases ('public', 'second'); name the one to migrate`]);
  });

  it('UpdateMmsTable sets INIT, DONE or FAILED, each with its effect on the next job; DOING and PART_DONE are refused, saying why', async () => {
    const u = (await get('/tables?dbName=public&name=u')).objectList.find((t: { name: string }) => t.name === 'u');
    // DONE: an increment compares it first, and copies it only if the two ends differ.
    const toCopy = async () => (await post('/jobs/preview', { srcDbName: 'public', tables: ['u'] })).body.data.tables[0].toCopy;
    const set = (status: string) => api.call('PUT', mms(`/datasources/${sourceId}/tables/${u.id}`), { status });
    for (const [status, copies] of [['DONE', false], ['FAILED', true], ['INIT', true]] as const) {
      expect((await set(status)).status).toBe(200);
      expect([status, (await get(`/tables/${u.id}`)).status, await toCopy()]).toEqual([status, status, copies]);
    }
    for (const [status, why] of [['DOING', 'DOING is what a running job sets'], ['PART_DONE', "PART_DONE follows from a table's partitions"]] as const) {
      const res = await set(status);
      expect([res.status, res.body.message]).toEqual([400, `status: ${why}; set INIT (copy again), DONE (compare first, copy only if changed) or FAILED`]);
    }
  });

  it('refuses what would be stored and ignored, or leave the job nothing to do, with a 400 naming it', async () => {
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ enableSchemaMigration: false, enableDataMigration: false }, /enableSchemaMigration and enableDataMigration are both off/],
      [{ enableSchemaMigration: false, schemaOnly: true }, /both off/],
      [{ tunnelQuota: 'pay-as-you-go' }, /^tunnelQuota: 'pay-as-you-go' names a MaxCompute Tunnel quota/],
      [{ others: { 'spark.executor.mem': '2g' } }, /^others: OpenMMS does not act on 'spark.executor.mem'.*\(it acts on task\.partition\.max\.num, /],
      [{ others: { 'verify.checksum': 'yes' } }, /^others\['verify\.checksum'\] takes true or false, not "yes"$/],
      [{ others: { 'task.chunk.rows': 2.5 } }, /^others\['task\.chunk\.rows'\] takes a positive integer, not 2\.5$/],
      [{ others: { 'task.chunk.size': -1 } }, /^others\['task\.chunk\.size'\] takes a positive number/],
      [{ others: { toString: 1 } }, /does not act on 'toString'/],
    ];
    for (const [options, message] of refused) {
      for (const path of ['/jobs', '/jobs/preview']) {
        const res = await post(path, { name: 'refused', srcDbName: 'public', tables: ['t'], ...options });
        expect([path, options, res.status, res.body.code]).toEqual([path, options, 400, 'InvalidParameter']);
        expect(res.body.message).toMatch(message);
      }
    }
    const timer = await post('/timers', { name: 'refused', srcDbName: 'public', scheduleType: 'Daily', value: '03:00', tables: ['t'], others: { 'spark.executor.mem': '2g' } });
    expect([timer.status, timer.body.message]).toEqual([400, expect.stringMatching(/spark\.executor\.mem/)]);
    // Every key OpenMMS acts on, with values of the kinds it takes, is accepted.
    const ok = await post('/jobs/preview', { srcDbName: 'public', tables: ['t'], tunnelQuota: '', others: { 'task.partition.max.num': '4', 'task.partition.max.size': 0.5, 'task.chunk.size': '1', 'task.chunk.rows': 1000, 'verify.checksum': true, 'verify.content': 'false', 'mysql.zeroDatesAsNull': false } });
    expect(ok.status, ok.text).toBe(200);
  });
});
