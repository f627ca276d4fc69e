import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { createPgDatabase } from '../support/stores.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApi } from '../support/api.js';
import { MODELS } from './models.js';
import { conforms, contractApi, ok } from './harness.js';
import type { Scheme, SdkCall } from './sdk-client.js';

/** Data sources as the SDK manages them: configuration items, a config map, region and network link, actions. */
describe.each<Scheme>(['v3', 'roa'])('the MMS data source calls, signed %s', (scheme) => {
  let api: TestApi;
  let call: SdkCall;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-contract-ds-'));

  beforeAll(async () => {
    execFileSync('sqlite3', [join(dataDir, 'source.sqlite'), 'CREATE TABLE t (id INTEGER)']);
    ({ api, call } = await contractApi(dataDir, scheme));
  });
  afterAll(async () => api?.close());


  it('ListMmsDataSourceConfigItems answers a bare array of ConfigItems per source type, in either language', async () => {
    const items = ok(await call('ListMmsDataSourceConfigItems', 'GET', '/configItems', { query: { sourceType: 'Postgresql', lang: 'en_US' } }));
    expect(Array.isArray(items)).toBe(true);
    for (const it of items) conforms(it, MODELS.ConfigItem, `item ${it.key}`);
    expect(items.map((i: { key: string }) => i.key)).toEqual(['source.host', 'source.port', 'source.user', 'source.password', 'source.database', 'source.options', 'destination.type']);
    expect(items.find((i: { key: string }) => i.key === 'source.host')).toMatchObject({ name: 'Host', required: true, type: 'string' });
    const destination = items.find((i: { key: string }) => i.key === 'destination.type');
    expect(destination.subItems.MYSQL.map((i: { key: string }) => i.key)).toContain('destination.host');
    const zh = ok(await call('ListMmsDataSourceConfigItems', 'GET', '/configItems', { query: { sourceType: 'SQLITE' } }));
    expect(zh[0]).toMatchObject({ key: 'source.path', name: '路径' });
    expect((await call('ListMmsDataSourceConfigItems', 'GET', '/configItems', { query: { sourceType: 'HIVE' } })).status).toBe(400);
  });

  it('CreateMmsDataSource takes the config map, region and networklink; GetMmsDataSource and ListMmsDataSources answer the DataSource model', async () => {
    const { dataSourceId: id } = ok(await call('CreateMmsDataSource', 'POST', '/datasources', {
      body: { name: `ds-${scheme}`, type: 'SQLITE', region: 'cn-shanghai', networklink: 'vpc-1:cn-shanghai', config: { 'source.path': 'source.sqlite', 'destination.type': 'DUCKDB', 'destination.path': `a-${scheme}.duckdb` } },
    }));
    const ds = ok(await call('GetMmsDataSource', 'GET', `/datasources/${id}`, { query: { withConfig: true, lang: 'en_US' } }));
    conforms(ds, MODELS.DataSource, 'GetMmsDataSource');
    expect(ds).toMatchObject({ region: 'cn-shanghai', networklink: 'vpc-1:cn-shanghai', status: 'STARTED', agentIsOnline: true });
    expect(ds.config.find((i: { key: string }) => i.key === 'source.path').value).toBe('source.sqlite');
    expect(ds.config.find((i: { key: string }) => i.key === 'destination.type')).toMatchObject({ value: 'DUCKDB', subItems: { DUCKDB: [{ key: 'destination.path', value: `a-${scheme}.duckdb` }] } });
    const all = ok(await call('ListMmsDataSources', 'GET', '/datasources', { query: { region: 'cn-shanghai' } }));
    conforms(all, MODELS.Page, 'ListMmsDataSources');
    for (const row of all.objectList) conforms(row, MODELS.DataSource, 'ListMmsDataSources row');
    expect(all.objectList.map((d: { id: number }) => d.id)).toContain(id);
    const bad = await call('CreateMmsDataSource', 'POST', '/datasources', { body: { name: `bad-${scheme}`, type: 'SQLITE', config: { 'source.host': 'x' } } });
    expect([bad.status, bad.body.message]).toEqual([400, expect.stringMatching(/'source.host' is not a configuration item of a SQLITE source/)]);
  });

  it('creates a data source of each engine from a config map, and fetches its metadata', async () => {
    const pg = await createPgDatabase('openmms_contract_ds');
    const maria = await createMariaDatabase('openmms_contract_ds');
    try {
      execFileSync('psql', [pg.url, '-qAtX', '-c', 'CREATE TABLE t (id int)']);
      await maria.admin.query('CREATE TABLE t (id int)');
      const duck = await DuckDBInstance.create(join(dataDir, `source-${scheme}.duckdb`));
      const c = await duck.connect();
      await c.run('CREATE TABLE t (id INTEGER)');
      c.closeSync();
      duck.closeSync();
      mkdirSync(join(dataDir, `lake-${scheme}`, 't'), { recursive: true });
      const maps: Record<string, Record<string, unknown>> = {
        POSTGRESQL: { 'source.host': pg.conn.host, 'source.port': String(pg.conn.port), 'source.user': pg.conn.user, 'source.database': pg.conn.database },
        MYSQL: { 'source.host': MARIADB.host, 'source.port': MARIADB.port, 'source.user': MARIADB.user, 'source.password': MARIADB.password, 'source.database': maria.name },
        SQLITE: { 'source.path': 'source.sqlite' },
        DUCKDB: { 'source.path': `source-${scheme}.duckdb` },
        LAKE: { 'source.path': `lake-${scheme}` },
      };
      for (const [type, map] of Object.entries(maps)) {
        const { dataSourceId: id } = ok(await call('CreateMmsDataSource', 'POST', '/datasources', { body: { name: `${type}-${scheme}`, type, config: { ...map, 'destination.type': 'DUCKDB', 'destination.path': `${type}-${scheme}.duckdb` } } }));
        const { scanId } = ok(await call('CreateMmsFetchMetadataJob', 'POST', `/datasources/${id}/scans`, { body: {} }));
        await api.app.scans.idle();
        expect([type, ok(await call('GetMmsFetchMetadataJob', 'GET', `/datasources/${id}/scans/${scanId}`)).status]).toEqual([type, 'DONE']);
      }
    } finally {
      await Promise.all([pg.drop(), maria.drop()]);
    }
  });

  it('UpdateMmsDataSource: RENAME, UPDATE_CONFIG with items, test (outcome in the async task), STOP and START', async () => {
    const { dataSourceId: id } = ok(await call('CreateMmsDataSource', 'POST', '/datasources', { body: { name: `up-${scheme}`, type: 'SQLITE', config: { 'source.path': 'source.sqlite' } } }));
    const asyncTask = async (data: { asyncTaskId: number }) => ok(await call('GetMmsAsyncTask', 'GET', `/datasources/${id}/asyncTasks/${data.asyncTaskId}`));
    ok(await call('UpdateMmsDataSource', 'PUT', `/datasources/${id}`, { body: { action: 'RENAME', name: `renamed-${scheme}` } }));
    expect(ok(await call('GetMmsDataSource', 'GET', `/datasources/${id}`)).name).toBe(`renamed-${scheme}`);

    const tested = ok(await call('UpdateMmsDataSource', 'PUT', `/datasources/${id}`, { body: { action: 'UPDATE_CONFIG', test: true, config: { 'source.path': 'missing.sqlite' } } }));
    expect(await asyncTask(tested)).toMatchObject({ type: 'UPDATE_DATASOURCE', status: 'FAILED', errorMsg: expect.stringMatching(/missing\.sqlite|does not exist/) });
    const fine = ok(await call('UpdateMmsDataSource', 'PUT', `/datasources/${id}`, { body: { test: true, config: { 'source.path': 'source.sqlite' } } }));
    expect(await asyncTask(fine)).toMatchObject({ status: 'DONE', result: '{"source":"OK","destination":"OK"}' });

    ok(await call('UpdateMmsDataSource', 'PUT', `/datasources/${id}`, { body: { action: 'UPDATE_CONFIG', config: { 'destination.type': 'SQLITE', 'destination.path': `copy-${scheme}.sqlite` } } }));
    const ds = ok(await call('GetMmsDataSource', 'GET', `/datasources/${id}`, { query: { withConfig: true } }));
    expect(ds.config.find((i: { key: string }) => i.key === 'destination.type').value).toBe('SQLITE');

    ok(await call('UpdateMmsDataSource', 'PUT', `/datasources/${id}`, { body: { action: 'STOP' } }));
    expect(ok(await call('GetMmsDataSource', 'GET', `/datasources/${id}`))).toMatchObject({ status: 'STOPPED', agentIsOnline: false });
    const refused = await call('CreateMmsFetchMetadataJob', 'POST', `/datasources/${id}/scans`, { body: {} });
    expect([refused.status, refused.body.message]).toEqual([409, expect.stringMatching(/is stopped; start it first/)]);
    ok(await call('UpdateMmsDataSource', 'PUT', `/datasources/${id}`, { body: { action: 'START' } }));
    ok(await call('CreateMmsFetchMetadataJob', 'POST', `/datasources/${id}/scans`, { body: {} }));
    await api.app.scans.idle();
    expect(ok(await call('DeleteMmsDataSource', 'DELETE', `/datasources/${id}`))).toBe(id);
  });
});
