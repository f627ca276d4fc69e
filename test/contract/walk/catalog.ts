import { expect } from 'vitest';
import { pgQuery } from '../../support/stores.js';
import { ok } from '../harness.js';
import type { Probes, Walk } from './walk.js';

/** The parameter walk's probes of the metadata scans and the catalog: databases, tables, partitions and their destination mapping. */
export function catalogProbes(w: Walk): Probes {
  const { at, get, send, refused, names, listed, dstRows, dstTables, sortsBy, pages, scan, job, call, db, table, partition } = w;
  return {
    CreateMmsFetchMetadataJob: {
      'body:dbName': async () => {
        expect(await scan({ dbName: 'other' })).toMatchObject({ databases: 1, tables: 1 });
        expect(await listed('ListMmsDbs', '/datasources/{sourceId}/dbs', {})).toEqual(['other']);
      },
      'body:tableNames': async () => {
        expect(await scan({ dbName: 'public', tableNames: ['users'] })).toMatchObject({ tables: 1 });
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dbName: 'public' })).toEqual(['users']);
        await scan();
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dbName: 'public' })).toEqual(['events', 'orders', 'users']);
        for (const d of (await get('ListMmsDbs', '/datasources/{sourceId}/dbs')).objectList) db[d.name] = d.id;
        for (const t of (await get('ListMmsTables', '/datasources/{sourceId}/tables')).objectList) table[t.name] = t.id;
        for (const p of (await get('ListMmsPartitions', '/datasources/{sourceId}/partitions')).objectList) partition[p.value] = p.id;
        expect(Object.keys(partition).sort()).toEqual(['p=a', 'p=b']);
      },
    },
    GetMmsFetchMetadataJob: {
      'path:scanId': async () => expect((await get('GetMmsFetchMetadataJob', `/datasources/{sourceId}/scans/${w.scanId}`)).id).toBe(w.scanId),
    },
    GetMmsDb: {
      'path:dbId': async () => expect((await get('GetMmsDb', `/datasources/{sourceId}/dbs/${db.other}`)).name).toBe('other'),
    },
    GetMmsTable: {
      'path:tableId': async () => expect((await get('GetMmsTable', `/datasources/{sourceId}/tables/${table.orders}`)).name).toBe('orders'),
    },
    GetMmsPartition: {
      'path:partitionId': async () => expect((await get('GetMmsPartition', `/datasources/{sourceId}/partitions/${partition['p=b']}`)).value).toBe('p=b'),
    },
    UpdateMmsDb: {
      'path:dbId': async () => expect(ok(await send('UpdateMmsDb', 'PUT', `/datasources/{sourceId}/dbs/${db.other}`, {}))).toBe(db.other),
      'body:dstProjectName': async () => {
        ok(await send('UpdateMmsDb', 'PUT', `/datasources/{sourceId}/dbs/${db.other}`, { dstProjectName: 'walk_other' }));
        expect((await job('other-db', { srcDbName: 'other' })).status).toBe('DONE');
        expect(await dstRows('SELECT count(*)::int AS n FROM walk_other.x')).toEqual([{ n: 1 }]);
      },
      'body:dstName': async () => {
        refused(await send('UpdateMmsDb', 'PUT', `/datasources/{sourceId}/dbs/${db.other}`, { dstName: 'default' }), /dstName: 'default' names a schema/);
        ok(await send('UpdateMmsDb', 'PUT', `/datasources/{sourceId}/dbs/${db.other}`, { dstName: '' }));
      },
      'body:status': async () => {
        expect((await get('GetMmsDb', `/datasources/{sourceId}/dbs/${db.other}`)).status).toBe('DONE');
        ok(await send('UpdateMmsDb', 'PUT', `/datasources/{sourceId}/dbs/${db.other}`, { status: 'INIT' }));
        expect((await get('GetMmsDb', `/datasources/{sourceId}/dbs/${db.other}`)).status).toBe('INIT');
        refused(await send('UpdateMmsDb', 'PUT', `/datasources/{sourceId}/dbs/${db.other}`, { status: 'DOING' }), /DOING/);
      },
    },
    ListMmsDbs: {
      'query:name': async () => expect(await listed('ListMmsDbs', '/datasources/{sourceId}/dbs', { name: 'THE' })).toEqual(['other']),
      'query:status': async () => {
        ok(await send('UpdateMmsDb', 'PUT', `/datasources/{sourceId}/dbs/${db.other}`, { status: 'DONE' }));
        expect(await listed('ListMmsDbs', '/datasources/{sourceId}/dbs', { status: '["DONE"]' })).toEqual(['other']);
        expect(await listed('ListMmsDbs', '/datasources/{sourceId}/dbs', { status: '["INIT","FAILED"]' })).toEqual(['public']);
      },
      'query:sorter': async () => {
        const first = async (sorter: object) => (await get('ListMmsDbs', '/datasources/{sourceId}/dbs', { sorter: JSON.stringify(sorter) })).objectList[0].name;
        expect([await first({ numRows: 'desc' }), await first({ numRows: 'asc' })]).toEqual(['public', 'other']);
        refused(await call('ListMmsDbs', 'GET', at('/datasources/{sourceId}/dbs'), { query: { sorter: '{"owner":"asc"}' } }), /sorter/);
      },
      'query:pageNum': () => pages('ListMmsDbs', '/datasources/{sourceId}/dbs'),
      'query:pageSize': async () => expect((await get('ListMmsDbs', '/datasources/{sourceId}/dbs', { pageNum: 1, pageSize: 1 })).objectList).toHaveLength(1),
    },
    UpdateMmsTable: {
      'path:tableId': async () => expect(ok(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.users}`, {}))).toBe(table.users),
      'body:dstProjectName': async () => {
        ok(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.users}`, { dstProjectName: 'walk_users' }));
        ok(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.orders}`, { dstName: 'orders_copy' }));
        // A table the catalog maps to another database goes there, whatever the job's dstDbName.
        expect((await job('mapped', { tables: ['users', 'orders'], dstDbName: 'walk_tables' })).status).toBe('DONE');
        expect([await dstTables('walk_users'), await dstTables('walk_tables')]).toEqual([['users'], ['orders_copy']]);
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dstProjectName: 'walk_users' })).toEqual(['users']);
        ok(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.users}`, { dstProjectName: '' }));
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dstProjectName: 'walk_users' })).toEqual([]);
      },
      'body:dstSchemaName': async () => {
        refused(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.users}`, { dstSchemaName: 'default' }), /dstSchemaName: 'default' names a schema/);
      },
      'body:dstName': async () => expect((await get('GetMmsTable', `/datasources/{sourceId}/tables/${table.orders}`)).dstName).toBe('orders_copy'),
      'body:status': async () => {
        ok(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.orders}`, { status: 'FAILED' }));
        expect((await get('GetMmsTable', `/datasources/{sourceId}/tables/${table.orders}`)).status).toBe('FAILED');
      },
    },
    UpdateMmsTables: {
      'body:dbName': async () => {
        expect(ok(await send('UpdateMmsTables', 'PUT', '/datasources/{sourceId}/tables', { dbName: 'other', tableNames: ['users', 'x'], status: 'FAILED' }))).toBe(1);
        expect((await get('GetMmsTable', `/datasources/{sourceId}/tables/${table.x}`)).status).toBe('FAILED');
        expect((await get('GetMmsTable', `/datasources/{sourceId}/tables/${table.users}`)).status).toBe('DONE');
      },
      'body:tableNames': async () => {
        expect(ok(await send('UpdateMmsTables', 'PUT', '/datasources/{sourceId}/tables', { dbName: 'public', tableNames: ['users', 'events'], status: 'INIT' }))).toBe(2);
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { status: '["INIT"]' })).toEqual(['events', 'users']);
      },
      'body:dstProjectName': async () => {
        ok(await send('UpdateMmsTables', 'PUT', '/datasources/{sourceId}/tables', { dbName: 'public', tableNames: ['events', 'users'], dstProjectName: 'walk_events' }));
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dstProjectName: 'walk_events' })).toEqual(['events', 'users']);
        ok(await send('UpdateMmsTables', 'PUT', '/datasources/{sourceId}/tables', { dbName: 'public', tableNames: ['events', 'users'], dstProjectName: '' }));
        expect((await get('GetMmsTable', `/datasources/{sourceId}/tables/${table.events}`)).dstProjectName).toBe((await get('GetMmsDataSource', '/datasources/{sourceId}')).dstProject);
      },
      'body:dstSchemaName': async () => {
        refused(await send('UpdateMmsTables', 'PUT', '/datasources/{sourceId}/tables', { dbName: 'public', tableNames: ['events'], dstSchemaName: 'default' }), /names a schema/);
      },
      'body:status': async () => {
        refused(await send('UpdateMmsTables', 'PUT', '/datasources/{sourceId}/tables', { dbName: 'public', tableNames: ['events'], status: 'PART_DONE' }), /PART_DONE/);
      },
      'body:tables': async () => {
        expect(ok(await send('UpdateMmsTables', 'PUT', '/datasources/{sourceId}/tables', { tables: [table.x], status: 'INIT' }))).toBe(1);
        expect((await get('GetMmsTable', `/datasources/{sourceId}/tables/${table.x}`)).status).toBe('INIT');
      },
    },
    ListMmsTables: {
      'query:dbId': async () => expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dbId: db.other })).toEqual(['x']),
      'query:dbName': async () => expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dbName: 'public' })).toEqual(['events', 'orders', 'users']),
      'query:name': async () => expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { name: 'RDER' })).toEqual(['orders']),
      'query:type': async () => {
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { type: 'TABLE' })).toHaveLength(4);
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { type: 'VIRTUAL_VIEW' })).toEqual([]);
      },
      'query:hasPartitions': async () => {
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { hasPartitions: true })).toEqual(['events']);
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { hasPartitions: false })).toEqual(['orders', 'users', 'x']);
      },
      'query:status': async () => expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { status: '["FAILED","DONE"]' })).toEqual(['orders']),
      'query:dstProjectName': async () => {
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dstProjectName: 'walk_other' })).toEqual(['x']);
        const { dstProject } = await get('GetMmsDataSource', '/datasources/{sourceId}');
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dstProjectName: dstProject })).toEqual(['events', 'orders', 'users']);
      },
      'query:dstSchemaName': async () => {
        refused(await call('ListMmsTables', 'GET', at('/datasources/{sourceId}/tables'), { query: { dstSchemaName: 'default' } }), /dstSchemaName: 'default' names a schema/);
      },
      'query:dstName': async () => expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { dstName: 'orders_copy' })).toEqual(['orders']),
      'query:lastDdlTimeStart': async () => {
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { lastDdlTimeStart: '2000-01-01 00:00:00' })).toHaveLength(4);
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { lastDdlTimeStart: '2999-01-01 00:00:00' })).toEqual([]);
      },
      'query:lastDdlTimeEnd': async () => {
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { lastDdlTimeEnd: '2999-01-01' })).toHaveLength(4);
        expect(await listed('ListMmsTables', '/datasources/{sourceId}/tables', { lastDdlTimeEnd: '2000-01-01' })).toEqual([]);
      },
      'query:onlyName': async () => {
        for (const row of (await get('ListMmsTables', '/datasources/{sourceId}/tables', { onlyName: true })).objectList) expect(Object.keys(row).sort()).toEqual(['id', 'name']);
        expect(Object.keys((await get('ListMmsTables', '/datasources/{sourceId}/tables', { onlyName: false })).objectList[0])).toContain('numRows');
      },
      'query:sorter.lastDdlTime': () => sortsBy('ListMmsTables', '/datasources/{sourceId}/tables', {}, 'sorter.lastDdlTime', 'lastDdlTime'),
      'query:sorter.numRows': async () => {
        await sortsBy('ListMmsTables', '/datasources/{sourceId}/tables', {}, 'sorter.numRows', 'numRows');
        expect((await get('ListMmsTables', '/datasources/{sourceId}/tables', { 'sorter.numRows': 'desc' })).objectList[0].name).toBe('orders');
      },
      'query:sorter.size': async () => {
        await sortsBy('ListMmsTables', '/datasources/{sourceId}/tables', {}, 'sorter.size', 'size');
        expect((await get('ListMmsTables', '/datasources/{sourceId}/tables', { 'sorter.size': 'desc' })).objectList[0].name).toBe('orders');
      },
      'query:pageNum': () => pages('ListMmsTables', '/datasources/{sourceId}/tables'),
      'query:pageSize': async () => expect((await get('ListMmsTables', '/datasources/{sourceId}/tables', { pageNum: 1, pageSize: 3 })).objectList).toHaveLength(3),
    },
    ListMmsPartitions: {
      'query:dbId': async () => {
        expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { dbId: db.public })).total).toBe(2);
        expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { dbId: db.other })).total).toBe(0);
      },
      'query:dbName': async () => expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { dbName: 'other' })).total).toBe(0),
      'query:tableId': async () => {
        expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { tableId: table.events })).total).toBe(2);
        expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { tableId: table.users })).total).toBe(0);
      },
      'query:tableName': async () => expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { tableName: 'orders' })).total).toBe(0),
      'query:value': async () => expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { value: '=b' })).objectList.map((p: { id: number }) => p.id)).toEqual([partition['p=b']]),
      'query:status': async () => {
        const values = async (status: string) => (await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { status })).objectList.map((p: { value: string }) => p.value);
        ok(await send('UpdateMmsTables', 'PUT', '/datasources/{sourceId}/tables', { dbName: 'public', tableNames: ['events'], status: 'INIT' }));
        await job('part-b', { partitions: [partition['p=b']], dstDbName: 'j_part' });
        expect([await values('["DONE"]'), await values('["INIT","FAILED"]')]).toEqual([['p=b'], ['p=a']]);
      },
      'query:updated': async () => {
        await pgQuery(w.src.url, "INSERT INTO events VALUES (4, 'b')");
        await scan();
        const values = async (updated: boolean) => (await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { updated })).objectList.map((p: { value: string }) => p.value);
        expect([await values(true), await values(false)]).toEqual([['p=b'], ['p=a']]);
        // Its table is updated while one of its partitions is.
        expect((await get('GetMmsTable', `/datasources/{sourceId}/tables/${table.events}`)).updated).toBe(true);
      },
      'query:lastDdlTimeStart': async () => {
        expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { lastDdlTimeStart: '2000-01-01' })).total).toBe(2);
        expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { lastDdlTimeStart: '2999-01-01' })).total).toBe(0);
      },
      'query:lastDdlTimeEnd': async () => {
        expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { lastDdlTimeEnd: '2999-01-01' })).total).toBe(2);
        expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { lastDdlTimeEnd: '2000-01-01' })).total).toBe(0);
      },
      'query:sorter.lastDdlTime': () => sortsBy('ListMmsPartitions', '/datasources/{sourceId}/partitions', {}, 'sorter.lastDdlTime', 'lastDdlTime'),
      'query:sorter.numRows': async () => {
        await sortsBy('ListMmsPartitions', '/datasources/{sourceId}/partitions', {}, 'sorter.numRows', 'numRows');
        expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { 'sorter.numRows': 'asc' })).objectList.map((p: { value: string }) => p.value)).toEqual(['p=a', 'p=b']);
      },
      'query:sorter.size': () => sortsBy('ListMmsPartitions', '/datasources/{sourceId}/partitions', {}, 'sorter.size', 'size'),
      'query:pageNum': () => pages('ListMmsPartitions', '/datasources/{sourceId}/partitions'),
      'query:pageSize': async () => expect((await get('ListMmsPartitions', '/datasources/{sourceId}/partitions', { pageNum: 1, pageSize: 1 })).objectList).toHaveLength(1),
    },
  };
}
