import { expect } from 'vitest';
import { ok } from '../harness.js';
import type { Probes, Walk } from './walk.js';

/** The parameter walk's probes of the timers and their logs. */
export function timersProbes(w: Walk): Probes {
  const { at, get, send, refused, names, dstRows, dstTables, pages, tasksOf, timer, fire, call, table, partition, jobs } = w;
  return {
    CreateMmsTimer: {
      'path:sourceId': async () => {
        const { timerId: id } = ok(await send('CreateMmsTimer', 'POST', '/datasources/{sourceId}/timers', { name: 'nightly', srcDbName: 'public', scheduleType: 'Daily', value: '02:30', tables: ['users'], tableMapping: { users: 't_people' }, columnMapping: { name: 'nm' }, enableDataMigration: false, enableVerification: false, others: { 'verify.content': false }, dstDbName: 'j_timer' } as object));
        w.timerId = id;
        expect((await timer()).sourceId).toBe(w.sourceId);
      },
      'body:name': async () => expect((await timer()).name).toBe('nightly'),
      'body:sourceId': async () => refused(await send('CreateMmsTimer', 'POST', '/datasources/{sourceId}/timers', { sourceId: w.secondId, srcDbName: 'public', scheduleType: 'Daily', value: '02:30' }), /sourceId/),
      'body:srcDbName': async () => {
        expect((await timer()).srcDbName).toBe('public');
        refused(await send('CreateMmsTimer', 'POST', '/datasources/{sourceId}/timers', { srcDbName: 'nope', scheduleType: 'Daily', value: '02:30' }), /nope/);
      },
      'body:scheduleType': async () => {
        expect((await timer()).scheduleType).toBe('Daily');
        refused(await send('CreateMmsTimer', 'POST', '/datasources/{sourceId}/timers', { srcDbName: 'public', scheduleType: 'Weekly', value: '02:30' }), /scheduleType/);
      },
      'body:value': async () => {
        expect((await timer()).value).toBe('02:30');
        refused(await send('CreateMmsTimer', 'POST', '/datasources/{sourceId}/timers', { srcDbName: 'public', scheduleType: 'Daily', value: '24:30' }), /value/);
      },
      'body:tables': async () => {
        // A timer's jobs are incremental: users, DONE and unchanged, is made due again.
        ok(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.users}`, { status: 'INIT' }));
        const created = await fire(w.timerId);
        expect([created.type, created.config.tables]).toEqual(['Tables', ['users']]);
      },
      'body:tableMapping': async () => expect(await dstTables('j_timer')).toEqual(['t_people']),
      'body:columnMapping': async () => expect(await dstRows("SELECT column_name FROM information_schema.columns WHERE table_schema = 'j_timer' ORDER BY 1")).toEqual([{ column_name: 'id' }, { column_name: 'nm' }]),
      'body:enableDataMigration': async () => expect(await dstRows('SELECT count(*)::int AS n FROM j_timer.t_people')).toEqual([{ n: 0 }]),
      'body:enableVerification': async () => {
        const [created] = (await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { timerId: w.timerId })).objectList;
        expect(created.config).toMatchObject({ enableVerification: false, schemaOnly: true, others: { 'verify.content': false } });
      },
      'body:others': async () => refused(await send('CreateMmsTimer', 'POST', '/datasources/{sourceId}/timers', { srcDbName: 'public', scheduleType: 'Daily', value: '02:30', others: { 'spark.executor.mem': '2g' } }), /spark\.executor\.mem/),
      'body:partitions': async () => {
        const { timerId: id } = ok(await send('CreateMmsTimer', 'POST', '/datasources/{sourceId}/timers', { name: 'parts', srcDbName: 'public', scheduleType: 'Hourly', value: '05', partitions: [partition['p=a']], enableVerification: true, dstDbName: 'j_timer_parts' } as object));
        const created = await fire(id);
        expect([created.type, created.status]).toEqual(['Partitions', 'DONE']);
        expect(await dstRows('SELECT id FROM j_timer_parts.events ORDER BY id')).toEqual([{ id: '1' }]);
      },
      'body:partitionFilters': async () => {
        const { timerId: id } = ok(await send('CreateMmsTimer', 'POST', '/datasources/{sourceId}/timers', { name: 'filtered', srcDbName: 'public', scheduleType: 'Hourly', value: '05', tables: ['events'], partitionFilters: { events: "p = 'b'" }, dstDbName: 'j_timer_filtered' } as object));
        await fire(id);
        expect(await dstRows('SELECT id FROM j_timer_filtered.events ORDER BY id')).toEqual([{ id: '2' }, { id: '3' }, { id: '4' }]);
      },
      'body:tableWhiteList': async () => {
        const { timerId: id } = ok(await send('CreateMmsTimer', 'POST', '/datasources/{sourceId}/timers', { name: 'lists', srcDbName: 'public', scheduleType: 'Hourly', value: '05', tableWhiteList: ['users', 'orders'], tableBlackList: ['orders', 'events'], enableSchemaMigration: false, dstDbName: 'j_none' } as object));
        const created = await fire(id);
        expect([created.type, created.status, (await tasksOf(created.id)).map((t: { srcTableName: string }) => t.srcTableName)]).toEqual(['Database', 'DONE', ['users']]);
      },
      'body:tableBlackList': async () => expect(await dstTables('j_none')).toEqual(['users']),
      'body:enableSchemaMigration': async () => {
        const [created] = (await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { name: 'lists' })).objectList;
        expect(created.config.enableSchemaMigration).toBe(false);
      },
    },
    UpdateMmsTimer: {
      'path:timerId': async () => expect(ok(await send('UpdateMmsTimer', 'PUT', `/datasources/{sourceId}/timers/${w.timerId}`, {}))).toBe(w.timerId),
      'body:scheduleType': async () => {
        ok(await send('UpdateMmsTimer', 'PUT', `/datasources/{sourceId}/timers/${w.timerId}`, { scheduleType: 'Hourly', value: '45' }));
        expect([(await timer()).scheduleType, (await timer()).value]).toEqual(['Hourly', '45']);
      },
      'body:value': async () => {
        ok(await send('UpdateMmsTimer', 'PUT', `/datasources/{sourceId}/timers/${w.timerId}`, { value: '15' }));
        expect((await timer()).value).toBe('15');
        refused(await send('UpdateMmsTimer', 'PUT', `/datasources/{sourceId}/timers/${w.timerId}`, { value: '75' }), /value/);
      },
      'body:stopped': async () => {
        ok(await send('UpdateMmsTimer', 'PUT', `/datasources/{sourceId}/timers/${w.timerId}`, { stopped: true }));
        expect((await timer()).stopped).toBe(true);
      },
      'body:tableWhiteList': async () => {
        const lists = await get('ListMmsTimers', '/datasources/{sourceId}/timers', { name: 'lists' });
        const id = lists.objectList[0].id;
        ok(await send('UpdateMmsTimer', 'PUT', `/datasources/{sourceId}/timers/${id}`, { tableWhiteList: ['users', 'events'] }));
        ok(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.users}`, { status: 'INIT' }));
        const created = await fire(id);
        // Both lists: only the black list (orders, events) applies.
        expect([created.config.tableWhiteList, (await tasksOf(created.id)).map((t: { srcTableName: string }) => t.srcTableName)]).toEqual([['users', 'events'], ['users']]);
      },
      'body:tableBlackList': async () => {
        const id = (await get('ListMmsTimers', '/datasources/{sourceId}/timers', { name: 'lists' })).objectList[0].id;
        ok(await send('UpdateMmsTimer', 'PUT', `/datasources/{sourceId}/timers/${id}`, { tableWhiteList: [], tableBlackList: ['orders', 'users'] }));
        expect((await timer(id)).config).toMatchObject({ tableWhiteList: [], tableBlackList: ['orders', 'users'] });
      },
    },
    ListMmsTimers: {
      'query:name': async () => expect(names(await get('ListMmsTimers', '/datasources/{sourceId}/timers', { name: 'nightly' }))).toEqual(['nightly']),
      'query:srcDbName': async () => {
        expect((await get('ListMmsTimers', '/datasources/{sourceId}/timers', { srcDbName: 'public' })).total).toBe(4);
        expect((await get('ListMmsTimers', '/datasources/{sourceId}/timers', { srcDbName: 'other' })).total).toBe(0);
      },
      'query:srcTableName': async () => expect(names(await get('ListMmsTimers', '/datasources/{sourceId}/timers', { srcTableName: 'events' }))).toEqual(['filtered']),
      'query:stopped': async () => {
        expect(names(await get('ListMmsTimers', '/datasources/{sourceId}/timers', { stopped: true }))).toEqual(['nightly']);
        expect(names(await get('ListMmsTimers', '/datasources/{sourceId}/timers', { stopped: false }))).toEqual(['filtered', 'lists', 'parts']);
      },
      'query:pageNum': () => pages('ListMmsTimers', '/datasources/{sourceId}/timers'),
      'query:pageSize': async () => expect((await get('ListMmsTimers', '/datasources/{sourceId}/timers', { pageNum: 1, pageSize: 3 })).objectList).toHaveLength(3),
    },
    GetMmsTimer: {
      'path:timerId': async () => {
        const got = await timer();
        // As the reference gives them: createTime in epoch milliseconds, updateTime in ISO 8601.
        expect([got.name, got.createTime, got.updateTime]).toEqual(['nightly', expect.stringMatching(/^\d{13}$/), expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)]);
      },
    },
    TriggerMmsTimer: {
      'path:timerId': async () => {
        ok(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.users}`, { status: 'INIT' }));
        expect((await fire(w.timerId)).name).toMatch(/^nightly-/);
      },
    },
    ListMmsTimerLogs: {
      'path:timerId': async () => expect((await get('ListMmsTimerLogs', `/datasources/{sourceId}/timers/${w.timerId}/logs`)).total).toBe(2),
      'query:pageNum': () => pages('ListMmsTimerLogs', `/datasources/{sourceId}/timers/${w.timerId}/logs`),
      'query:pageSize': async () => expect((await get('ListMmsTimerLogs', `/datasources/{sourceId}/timers/${w.timerId}/logs`, { pageNum: 1, pageSize: 1 })).objectList).toHaveLength(1),
    },
    DeleteMmsTimer: {
      'path:timerId': async () => {
        ok(await call('DeleteMmsTimer', 'DELETE', at(`/datasources/{sourceId}/timers/${w.timerId}`)));
        expect((await call('GetMmsTimer', 'GET', at(`/datasources/{sourceId}/timers/${w.timerId}`))).status).toBe(404);
        expect((await get('ListMmsTimers', '/datasources/{sourceId}/timers')).total).toBe(3);
      },
    },
  };
}
