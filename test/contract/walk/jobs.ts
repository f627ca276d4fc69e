import { expect } from 'vitest';
import { until } from '../../support/processes.js';
import { pgQuery } from '../../support/stores.js';
import { ok } from '../harness.js';
import type { Probes, Walk } from './walk.js';

/** The parameter walk's probes of the jobs, their tasks and task logs, async tasks. */
export function jobsProbes(w: Walk): Probes {
  const { at, get, send, refused, names, dstRows, dstTables, sortsBy, pages, jobRow, ended, createJob, job, tasksOf, logStatuses, holdChecks, call, verified, table, partition, jobs } = w;
  return {
    CreateMmsJob: {
      'body:name': async () => {
        expect((await job('named', { tables: ['users'], dstDbName: 'j_named' })).name).toBe('named');
        expect((await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { name: 'named', srcDbName: 'public', tables: ['users'] })).status).toBe(409);
      },
      'body:sourceId': async () => {
        refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { sourceId: w.secondId, srcDbName: 'public', tables: ['users'] }), /sourceId/);
        expect((await job('by-id', { sourceId: w.sourceId, tables: ['users'], dstDbName: 'j_by_id' })).status).toBe('DONE');
      },
      'body:sourceName': async () => {
        refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { sourceName: 'second-renamed', srcDbName: 'public', tables: ['users'] }), /sourceName/);
        expect((await job('by-name', { sourceName: 'walk', tables: ['users'], dstDbName: 'j_by_name' })).status).toBe('DONE');
      },
      'body:srcDbName': async () => {
        refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { srcDbName: 'nope' }), /srcDbName: database 'nope'/);
        // Without srcDbName: 400 naming the databases (the catalog holds two).
        refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { tables: ['x'] }), /'other'.*'public'|'public'.*'other'/);
        expect((await jobRow(jobs['other-db']!)).srcDbName).toBe('other');
      },
      'body:srcSchemaName': async () => refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { srcDbName: 'public', srcSchemaName: 'default' }), /srcSchemaName: 'default' names a schema/),
      'body:dstDbName': async () => expect(await dstTables('j_named')).toEqual(['users']),
      'body:dstSchemaName': async () => refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { srcDbName: 'public', dstSchemaName: 'default' }), /dstSchemaName: 'default' names a schema/),
      'body:tables': async () => {
        expect((await job('two', { tables: ['users', 'events'], dstDbName: 'j_two' })).type).toBe('Tables');
        expect(await dstTables('j_two')).toEqual(['events', 'users']);
        refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { srcDbName: 'public', tables: ['nope'] }), /nope/);
      },
      'body:partitions': async () => {
        expect((await job('part-a', { partitions: [partition['p=a']], dstDbName: 'j_part' })).type).toBe('Partitions');
        expect(await dstRows('SELECT id FROM j_part.events ORDER BY id')).toEqual([{ id: '1' }]);
      },
      'body:tableWhiteList': async () => {
        expect((await job('white', { tableWhiteList: ['users', 'events'], dstDbName: 'j_white' })).type).toBe('Database');
        expect(await dstTables('j_white')).toEqual(['events', 'users']);
      },
      'body:tableBlackList': async () => {
        // Both lists: only the black list applies (reference §2.9).
        await job('black', { tableWhiteList: ['orders'], tableBlackList: ['orders', 'events'], dstDbName: 'j_black' });
        expect(await dstTables('j_black')).toEqual(['users']);
      },
      'body:partitionFilters': async () => {
        await job('filtered', { tables: ['events'], partitionFilters: { events: "p = 'b'" }, dstDbName: 'j_filtered' });
        expect(await dstRows('SELECT id FROM j_filtered.events ORDER BY id')).toEqual([{ id: '2' }, { id: '3' }]);
        refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { srcDbName: 'public', tables: ['events'], partitionFilters: { events: 'q = 1' } }), /q/);
      },
      'body:tableMapping': async () => {
        await job('renamed', { tables: ['users'], tableMapping: { users: 'people' }, dstDbName: 'j_renamed' });
        expect(await dstRows('SELECT name FROM j_renamed.people ORDER BY id')).toEqual([{ name: 'ann' }, { name: 'bo' }, { name: 'cy' }]);
      },
      'body:columnMapping': async () => {
        await job('columns', { tables: ['users'], columnMapping: { name: 'full_name' }, dstDbName: 'j_columns' });
        expect(await dstRows('SELECT full_name FROM j_columns.users ORDER BY id')).toEqual([{ full_name: 'ann' }, { full_name: 'bo' }, { full_name: 'cy' }]);
      },
      'body:enableSchemaMigration': async () => {
        const failed = await job('no-schema', { tables: ['users'], enableSchemaMigration: false, dstDbName: 'j_none' });
        expect(failed.status).toBe('FAILED');
        const [task] = await tasksOf(failed.id);
        expect(task.status).toBe('SCHEMA_FAILED');
        w.failedTask = task.id;
      },
      'body:enableDataMigration': async () => {
        await job('schema-only', { tables: ['users'], enableDataMigration: false, dstDbName: 'j_schema' });
        expect(await dstRows('SELECT count(*)::int AS n FROM j_schema.users')).toEqual([{ n: 0 }]);
      },
      'body:enableVerification': async () => {
        const verifiedLines = async (key: string, enableVerification: boolean) => {
          const [task] = await tasksOf((await job(key, { tables: ['users'], increment: false, enableVerification, dstDbName: 'j_verify' })).id);
          return (await logStatuses(task.id)).filter((s: string) => s.startsWith('VERIFICATION')).length;
        };
        expect(await verifiedLines('verified', true)).toBeGreaterThan(0);
        expect(await verifiedLines('unverified', false)).toBe(0);
      },
      'body:others': async () => {
        // Chunks of 500 rows: orders' 2000 rows move as 4 tasks.
        const chunked = await job('chunked', { tables: ['orders'], others: { 'task.chunk.rows': 500 }, dstDbName: 'j_chunked' });
        expect([chunked.taskNum, (await tasksOf(chunked.id)).length]).toEqual([4, 4]);
        expect(await dstRows('SELECT count(*)::int AS n FROM j_chunked.orders_copy')).toEqual([{ n: 2000 }]);
        refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { srcDbName: 'public', others: { 'spark.executor.mem': '2g' } }), /spark\.executor\.mem/);
      },
      'body:increment': async () => {
        // users is DONE and unchanged since 'verified' copied it: an increment compares it, and copies nothing.
        const [compared] = await tasksOf((await job('incremental', { tables: ['users'], increment: true, dstDbName: 'j_verify' })).id);
        expect(compared.rows).toBe(0);
        const [copied] = await tasksOf((await job('full', { tables: ['users'], increment: false, dstDbName: 'j_verify' })).id);
        expect(copied.rows).toBe(3);
      },
      'body:schemaOnly': async () => {
        await job('schema-only-2', { tables: ['events'], schemaOnly: true, dstDbName: 'j_schema' });
        expect(await dstRows('SELECT count(*)::int AS n FROM j_schema.events')).toEqual([{ n: 0 }]);
      },
      'body:eta': async () => {
        refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { srcDbName: 'public', eta: '2025-02-30' }), /eta/);
        // One task at a time (concurrency 1), the runner held in a first job: the later job with the
        // earlier eta runs before the older one.
        const release = holdChecks();
        const blocker = await createJob({ name: 'blocker', srcDbName: 'other', increment: false });
        await until(async () => verified.includes(blocker));
        const late = await createJob({ name: 'eta-late', srcDbName: 'public', tables: ['orders'], increment: false, eta: '2031-01-01', dstDbName: 'j_eta_late' });
        const soon = await createJob({ name: 'eta-soon', srcDbName: 'public', tables: ['users'], increment: false, eta: '2030-01-01 08:00', dstDbName: 'j_eta_soon' });
        release();
        for (const id of [blocker, late, soon]) await ended(id);
        expect(verified.filter((id) => id !== blocker).filter((id, i, all) => all.indexOf(id) === i)).toEqual([soon, late]);
        expect((await jobRow(soon)).eta).toBe('2030-01-01 08:00');
      },
      'body:taskType': async () => {
        // Verify only: the destination is compared, nothing is copied.
        await dstRows("UPDATE j_named.users SET name = 'changed' WHERE id = 2");
        const checked = await job('verify-only', { tables: ['users'], taskType: 'MC2MC_VERIFY', dstDbName: 'j_named' });
        expect(checked.status).toBe('FAILED');
        expect((await tasksOf(checked.id))[0].status).toBe('VERIFICATION_FAILED');
        expect(await dstRows('SELECT name FROM j_named.users WHERE id = 2')).toEqual([{ name: 'changed' }]);
        refused(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { srcDbName: 'public', taskType: 'HIVE' }), /taskType: 'HIVE'/);
      },
    },
    ListMmsTasks: {
      'query:jobId': async () => expect((await tasksOf(jobs.two!)).map((t: { srcTableName: string }) => t.srcTableName).sort()).toEqual(['events', 'users']),
      'query:jobName': async () => expect((await get('ListMmsTasks', '/datasources/{sourceId}/tasks', { jobName: 'renamed' })).objectList.map((t: { jobId: number }) => t.jobId)).toEqual([jobs.renamed]),
      'query:srcDbName': async () => expect((await get('ListMmsTasks', '/datasources/{sourceId}/tasks', { srcDbName: 'other' })).objectList.every((t: { srcDbName: string }) => t.srcDbName === 'other')).toBe(true),
      'query:srcTableName': async () => {
        const tables = (await get('ListMmsTasks', '/datasources/{sourceId}/tasks', { srcTableName: 'orders' })).objectList.map((t: { srcTableName: string }) => t.srcTableName);
        expect(new Set(tables)).toEqual(new Set(['orders']));
      },
      'query:dstDbName': async () => expect((await get('ListMmsTasks', '/datasources/{sourceId}/tasks', { dstDbName: 'j_renamed' })).objectList.map((t: { jobId: number }) => t.jobId)).toEqual([jobs.renamed]),
      'query:dstTableName': async () => expect((await get('ListMmsTasks', '/datasources/{sourceId}/tasks', { dstTableName: 'people' })).objectList.map((t: { jobId: number }) => t.jobId)).toEqual([jobs.renamed]),
      'query:status': async () => {
        expect((await get('ListMmsTasks', '/datasources/{sourceId}/tasks', { status: 'SCHEMA_FAILED' })).objectList.map((t: { id: number }) => t.id)).toEqual([w.failedTask]);
        refused(await call('ListMmsTasks', 'GET', at('/datasources/{sourceId}/tasks'), { query: { status: 'COPYING' } }), /status/);
      },
      'query:partition': async () => {
        const ids = (await get('ListMmsTasks', '/datasources/{sourceId}/tasks', { partition: 'p=a' })).objectList.map((t: { jobId: number }) => t.jobId);
        expect(ids).toContain(jobs['part-a']);
        expect(ids).not.toContain(jobs['part-b']);
      },
      'query:sorter.startTime': () => sortsBy('ListMmsTasks', '/datasources/{sourceId}/tasks', {}, 'sorter.startTime', 'startTime'),
      'query:sorter.status': () => sortsBy('ListMmsTasks', '/datasources/{sourceId}/tasks', {}, 'sorter.status', 'status'),
      'query:pageNum': () => pages('ListMmsTasks', '/datasources/{sourceId}/tasks'),
      'query:pageSize': async () => expect((await get('ListMmsTasks', '/datasources/{sourceId}/tasks', { pageNum: 1, pageSize: 2 })).objectList).toHaveLength(2),
    },
    GetMmsTask: {
      'path:taskId': async () => expect((await get('GetMmsTask', `/datasources/{sourceId}/tasks/${w.failedTask}`)).status).toBe('SCHEMA_FAILED'),
    },
    ListMmsTaskLogs: {
      'path:taskId': async () => {
        // The line that ends a failed task: what it was doing as its action, the error as its result.
        const last = (await get('ListMmsTaskLogs', `/datasources/{sourceId}/tasks/${w.failedTask}/logs`)).at(-1);
        const { errMsg } = await get('GetMmsTask', `/datasources/{sourceId}/tasks/${w.failedTask}`);
        expect([last.status, last.action, last.msg]).toEqual(['SCHEMA_FAILED', 'create or alter the destination table', errMsg]);
      },
    },
    RetryMmsTask: {
      'path:taskId': async () => {
        await dstRows('CREATE SCHEMA j_none; CREATE TABLE j_none.users (id bigint, name text)');
        ok(await send('RetryMmsTask', 'POST', `/datasources/{sourceId}/tasks/${w.failedTask}/retry`));
        expect((await ended(jobs['no-schema']!)).status).toBe('DONE');
        expect(await dstRows('SELECT count(*)::int AS n FROM j_none.users')).toEqual([{ n: 3 }]);
      },
    },
    GetMmsJob: {
      'path:jobId': async () => expect((await jobRow(jobs.renamed!)).name).toBe('renamed'),
    },
    RetryMmsJob: {
      'path:jobId': async () => {
        await dstRows("UPDATE j_named.users SET name = 'bob' WHERE id = 2");
        await pgQuery(w.src.url, "UPDATE users SET name = 'bo' WHERE id = 2");
        await dstRows("UPDATE j_named.users SET name = 'bo' WHERE id = 2");
        expect(ok(await send('RetryMmsJob', 'POST', `/datasources/{sourceId}/jobs/${jobs['verify-only']}/retry`))).toBe(jobs['verify-only']);
        await until(async () => (await jobRow(jobs['verify-only']!)).status === 'DONE');
      },
    },
    StopMmsJob: {
      'path:jobId': async () => {
        // Held in its slice's verification, then stopped: the slice rolls back, the job waits for a start.
        const release = holdChecks();
        const id = await createJob({ name: 'stopping', srcDbName: 'public', tables: ['users'], increment: false, dstDbName: 'j_stop' });
        await until(async () => verified.includes(id));
        // Its task shows the phase it is in (reference §1.5), and is found by it.
        const [task] = await tasksOf(id);
        expect(task.status).toBe('VERIFICATION_DOING');
        expect((await get('ListMmsTasks', '/datasources/{sourceId}/tasks', { status: 'VERIFICATION_DOING' })).objectList.map((t: { id: number }) => t.id)).toEqual([task.id]);
        // The stop answers once the task has let go of its slice: the hold is released meanwhile.
        const stopped = send('StopMmsJob', 'POST', `/datasources/{sourceId}/jobs/${id}/stop`);
        await until(async () => (await jobRow(id)).stopped);
        release();
        expect(ok(await stopped)).toBe(id);
        jobs.stopping = id;
        await until(async () => (await tasksOf(id))[0].status === 'INIT');
        expect([(await jobRow(id)).stopped, (await jobRow(jobs.columns!)).stopped]).toEqual([true, false]);
        expect(await dstRows('SELECT count(*)::int AS n FROM j_stop.users')).toEqual([{ n: 0 }]);
      },
    },
    ListMmsJobs: {
      'query:name': async () => expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { name: 'ETA-' }))).toEqual(['eta-late', 'eta-soon']),
      'query:srcDbName': async () => expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { srcDbName: 'other' }))).toEqual(['blocker', 'other-db']),
      'query:srcTableName': async () => {
        expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { srcTableName: 'orders' }))).toEqual(['chunked', 'eta-late', 'mapped']);
      },
      'query:dstDbName': async () => expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { dstDbName: 'walk_users' }))).toEqual(['mapped']),
      'query:dstTableName': async () => expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { dstTableName: 'orders_copy' }))).toEqual(['chunked', 'eta-late', 'mapped']),
      'query:status': async () => {
        expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { status: 'FAILED' }))).toEqual([]);
        expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { status: 'INIT' }))).toEqual(['stopping']);
        expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { status: 'FAILED,INIT' }))).toEqual(['stopping']);
        expect((await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { status: 'DONE' })).total).toBe((await get('ListMmsJobs', '/datasources/{sourceId}/jobs')).total - 1);
        const bad = await call('ListMmsJobs', 'GET', at('/datasources/{sourceId}/jobs'), { query: { status: 'RUNNING' } });
        refused(bad, /status/);
        expect(bad.body.message).not.toMatch(/status\.0/);
      },
      'query:stopped': async () => {
        expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { stopped: 1 }))).toEqual(['stopping']);
        expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { stopped: 'false' }))).not.toContain('stopping');
      },
      'query:timerId': async () => expect(names(await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { timerId: w.timerId }))).toEqual([expect.stringMatching(/^nightly-/)]),
      'query:sorter.status': async () => {
        ok(await send('UpdateMmsTable', 'PUT', `/datasources/{sourceId}/tables/${table.x}`, { dstName: 'x_again' }));
        await dstRows('CREATE TABLE walk_other.x_again (id int CHECK (id < 0))');
        expect((await job('fails', { srcDbName: 'other', increment: false })).status).toBe('FAILED');
        await sortsBy('ListMmsJobs', '/datasources/{sourceId}/jobs', {}, 'sorter.status', 'status');
      },
      'query:pageNum': () => pages('ListMmsJobs', '/datasources/{sourceId}/jobs'),
      'query:pageSize': async () => expect((await get('ListMmsJobs', '/datasources/{sourceId}/jobs', { pageNum: 1, pageSize: 3 })).objectList).toHaveLength(3),
    },
    StartMmsJob: {
      'path:jobId': async () => {
        expect(ok(await send('StartMmsJob', 'POST', `/datasources/{sourceId}/jobs/${jobs.stopping}/start`))).toBe(jobs.stopping);
        expect(await ended(jobs.stopping!)).toMatchObject({ status: 'DONE', stopped: false });
        expect(await dstRows('SELECT count(*)::int AS n FROM j_stop.users')).toEqual([{ n: 3 }]);
      },
    },
    DeleteMmsJob: {
      'path:jobId': async () => {
        expect(ok(await send('DeleteMmsJob', 'POST', `/datasources/{sourceId}/jobs/${jobs.fails}`))).toBe(jobs.fails);
        expect((await call('GetMmsJob', 'GET', at(`/datasources/{sourceId}/jobs/${jobs.fails}`))).status).toBe(404);
        expect((await jobRow(jobs.columns!)).id).toBe(jobs.columns);
      },
    },
    GetMmsAsyncTask: {
      'path:asyncTaskId': async () => {
        const { asyncTaskId } = ok(await send('CreateMmsJob', 'POST', '/datasources/{sourceId}/jobs', { name: 'async', srcDbName: 'public', tables: ['users'], enableDataMigration: false, dstDbName: 'j_async' }));
        const task = await get('GetMmsAsyncTask', `/datasources/{sourceId}/asyncTasks/${asyncTaskId}`);
        expect([task.id, task.type, (await jobRow(task.objectId)).name]).toEqual([asyncTaskId, 'TASK_CREATE', 'async']);
        await ended(task.objectId);
      },
    },
  };
}
