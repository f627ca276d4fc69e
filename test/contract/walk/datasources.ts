import { expect } from 'vitest';
import { ok } from '../harness.js';
import type { Probes, Walk } from './walk.js';

/** The parameter walk's probes of the data source calls and their configuration items. */
export function datasourcesProbes(w: Walk): Probes {
  const { get, send, refused, listed, pages, call } = w;
  return {
    ListMmsDataSourceConfigItems: {
      'query:sourceType': async () => {
        const keys = async (sourceType: string) => (await get('ListMmsDataSourceConfigItems', '/configItems', { sourceType })).map((i: { key: string }) => i.key);
        expect(await keys('POSTGRESQL')).toContain('source.host');
        expect(await keys('sqlite')).not.toContain('source.host');
        expect(await keys('sqlite')).toContain('source.path');
        refused(await call('ListMmsDataSourceConfigItems', 'GET', '/configItems', { query: { sourceType: 'HIVE' } }), /HIVE/);
      },
      'query:lang': async () => {
        const name = async (lang: string) => (await get('ListMmsDataSourceConfigItems', '/configItems', { sourceType: 'POSTGRESQL', lang })).find((i: { key: string }) => i.key === 'source.host').name;
        expect(await name('en_US')).not.toBe(await name('zh_CN'));
        refused(await call('ListMmsDataSourceConfigItems', 'GET', '/configItems', { query: { sourceType: 'POSTGRESQL', lang: 'fr_FR' } }), /lang/);
      },
    },
    CreateMmsDataSource: {
      'body:name': async () => {
        const { dataSourceId } = ok(await send('CreateMmsDataSource', 'POST', '/datasources', { name: 'walk', type: 'POSTGRESQL', config: { source: w.src.conn, destination: { type: 'POSTGRESQL', ...w.dst.conn } } }));
        w.sourceId = dataSourceId;
        expect((await get('GetMmsDataSource', '/datasources/{sourceId}')).name).toBe('walk');
      },
      'body:type': async () => {
        expect((await get('GetMmsDataSource', '/datasources/{sourceId}')).type).toBe('POSTGRESQL');
        refused(await send('CreateMmsDataSource', 'POST', '/datasources', { name: 'hive', type: 'HIVE', config: {} }), /type/);
      },
      'body:config': async () => {
        // MMS's item map, here a SQLite source and its private DuckDB destination.
        const { dataSourceId } = ok(await send('CreateMmsDataSource', 'POST', '/datasources', { name: 'second', type: 'SQLITE', config: { 'source.path': 'second.sqlite' }, region: 'cn-hangzhou' } as object));
        w.secondId = dataSourceId;
        expect((await get('GetMmsDataSource', `/datasources/${w.secondId}`, { withConfig: true })).connection.source.path).toBe('second.sqlite');
        refused(await send('CreateMmsDataSource', 'POST', '/datasources', { name: 'third', type: 'SQLITE', config: { 'source.nope': 1 } }), /source\.nope/);
      },
      'body:networklink': async () => {
        const { dataSourceId } = ok(await send('CreateMmsDataSource', 'POST', '/datasources', { name: 'linked', type: 'SQLITE', config: { 'source.path': 'third.sqlite' }, networklink: 'vpc-1:cn-shanghai' }));
        expect((await get('GetMmsDataSource', `/datasources/${dataSourceId}`)).networklink).toBe('vpc-1:cn-shanghai');
        ok(await call('DeleteMmsDataSource', 'DELETE', `/datasources/${dataSourceId}`));
      },
    },
    ListMmsDataSources: {
      'query:name': async () => expect(await listed('ListMmsDataSources', '/datasources', { name: 'second' })).toEqual(['second']),
      'query:type': async () => expect(await listed('ListMmsDataSources', '/datasources', { type: 'SQLITE' })).toEqual(['second']),
      'query:region': async () => {
        expect(await listed('ListMmsDataSources', '/datasources', { region: 'cn-hangzhou' })).toEqual(['second']);
        expect(await listed('ListMmsDataSources', '/datasources', { region: 'cn-beijing' })).toEqual([]);
      },
      'query:pageNum': () => pages('ListMmsDataSources', '/datasources'),
      'query:pageSize': async () => {
        expect((await get('ListMmsDataSources', '/datasources', { pageNum: 1, pageSize: 1 })).objectList).toHaveLength(1);
        refused(await call('ListMmsDataSources', 'GET', '/datasources', { query: { pageNum: 1, pageSize: 0 } }), /pageSize/);
      },
    },
    GetMmsDataSource: {
      'query:withConfig': async () => {
        expect((await get('GetMmsDataSource', '/datasources/{sourceId}')).config).toBeUndefined();
        const items = (await get('GetMmsDataSource', '/datasources/{sourceId}', { withConfig: true })).config;
        expect(items.find((i: { key: string }) => i.key === 'source.host').value).toBe(w.src.conn.host);
      },
      'query:lang': async () => {
        const name = async (lang: string) => (await get('GetMmsDataSource', '/datasources/{sourceId}', { withConfig: true, lang })).config.find((i: { key: string }) => i.key === 'source.host').name;
        expect(await name('en_US')).not.toBe(await name('zh_CN'));
      },
    },
    UpdateMmsDataSource: {
      'body:action': async () => {
        const second = () => get('GetMmsDataSource', `/datasources/${w.secondId}`);
        ok(await send('UpdateMmsDataSource', 'PUT', `/datasources/${w.secondId}`, { action: 'STOP' }));
        expect((await second()).status).toBe('STOPPED');
        expect((await send('CreateMmsFetchMetadataJob', 'POST', `/datasources/${w.secondId}/scans`, {})).status).toBe(409);
        ok(await send('UpdateMmsDataSource', 'PUT', `/datasources/${w.secondId}`, { action: 'START' }));
        expect((await second()).status).toBe('STARTED');
      },
      'body:name': async () => {
        ok(await send('UpdateMmsDataSource', 'PUT', `/datasources/${w.secondId}`, { action: 'RENAME', name: 'second-renamed' }));
        expect((await get('GetMmsDataSource', `/datasources/${w.secondId}`)).name).toBe('second-renamed');
        refused(await send('UpdateMmsDataSource', 'PUT', `/datasources/${w.secondId}`, { action: 'RENAME' }), /name/);
      },
      'body:config': async () => {
        ok(await send('UpdateMmsDataSource', 'PUT', `/datasources/${w.secondId}`, { action: 'UPDATE_CONFIG', config: { 'source.path': 'third.sqlite' } }));
        expect((await get('GetMmsDataSource', `/datasources/${w.secondId}`, { withConfig: true })).connection.source.path).toBe('third.sqlite');
      },
      'body:test': async () => {
        const { asyncTaskId } = ok(await send('UpdateMmsDataSource', 'PUT', `/datasources/${w.secondId}`, { action: 'UPDATE_CONFIG', config: { 'source.path': 'missing.sqlite' }, test: true }));
        expect((await get('GetMmsAsyncTask', `/datasources/${w.secondId}/asyncTasks/${asyncTaskId}`)).status).toBe('FAILED');
        // Tested, not saved.
        expect((await get('GetMmsDataSource', `/datasources/${w.secondId}`, { withConfig: true })).connection.source.path).toBe('third.sqlite');
      },
    },
    DeleteMmsDataSource: {
      'path:sourceId': async () => {
        ok(await call('DeleteMmsDataSource', 'DELETE', `/datasources/${w.secondId}`));
        expect((await call('GetMmsDataSource', 'GET', `/datasources/${w.secondId}`)).status).toBe(404);
        expect((await get('GetMmsDataSource', '/datasources/{sourceId}')).name).toBe('walk');
      },
    },
  };
}
