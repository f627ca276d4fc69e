import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase, PG_ADMIN_URL, pgQuery } from '../support/stores.js';
import { until } from '../support/processes.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';

type PgDb = Awaited<ReturnType<typeof createPgDatabase>>;

/** Ends every session on a database but the caller's, as a server restart or a failover does. */
const dropConnections = (database: string) =>
  pgQuery(PG_ADMIN_URL, `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`);

const PASSWORD = 'Fault-Inj3ction-Secret!';
const REGIONS = ['eu', 'us', 'asia', 'africa', 'oceania', 'america'];

// Each fault ends with the source equal to the destination (rows and a content digest), every
// status true, nothing lost and nothing doubled; the password never shows in anything written.
describe.each(['sqlite', 'postgres'] as const)('fault injection on real PostgreSQL (%s store)', (kind) => {
  let api: TestApi;
  let src: PgDb;
  let dst: PgDb;
  let sourceId: number;
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => {
    const res = await api.call(method, mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };
  const digest = (url: string, table: string) => pgQuery(url, `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, md5(string_agg(id || ':' || region || ':' || payload, ',' ORDER BY id)) AS h FROM ${table}`);
  const job = (id: number) => call('GET', `/datasources/${sourceId}/jobs/${id}`);
  const waitFor = async (id: number, statuses: string[]) => {
    await until(async () => statuses.includes((await job(id)).status));
    return job(id);
  };

  beforeAll(async () => {
    src = await createPgDatabase('openmms_fault_src');
    dst = await createPgDatabase('openmms_fault_dst');
    await pgQuery(src.url, `
      CREATE TABLE events (id bigint, region text, payload text) PARTITION BY LIST (region);
      ${REGIONS.map((r) => `CREATE TABLE events_${r} PARTITION OF events FOR VALUES IN ('${r}');`).join('\n')}
      INSERT INTO events SELECT g, (ARRAY['${REGIONS.join("','")}'])[1 + g % ${REGIONS.length}], repeat(md5(g::text), 8) FROM generate_series(1, 240000) g;`);
    api = await TestApi.start(kind, mkdtempSync(join(tmpdir(), 'openmms-faults-')), { runJobs: true });
    const conn = (d: PgDb) => ({ ...d.conn, password: PASSWORD });
    sourceId = await call('POST', '/datasources', { name: 'faulty', type: 'POSTGRESQL', config: { source: conn(src), destination: { type: 'POSTGRESQL', ...conn(dst) } } }).then((d) => d.dataSourceId);
    const { scanId } = await call('POST', `/datasources/${sourceId}/scans`);
    await api.app.scans.idle();
    expect((await call('GET', `/datasources/${sourceId}/scans/${scanId}`)).status).toBe('DONE');
  });

  afterAll(async () => {
    await api?.close();
    await src?.drop();
    await dst?.drop();
  });

  it('source connections dropped mid-copy: the task retries and finishes; source = destination', async () => {
    const { jobId } = await call('POST', `/datasources/${sourceId}/jobs`, { name: 'source-drop', srcDbName: 'public', dstDbName: 'a', others: { 'task.partition.max.num': 6 } });
    await until(async () => (await job(jobId)).status === 'DOING');
    // DOING comes before the first task opens its source connection: drop them once there are some.
    await until(async () => (await dropConnections(src.name))[0].n > 0);
    const done = await waitFor(jobId, ['DONE', 'FAILED']);
    const failures = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&status=FAILED`)).objectList.map((t: any) => t.errMsg);
    expect([done.status, failures]).toEqual(['DONE', []]);
    const retried = await api.store.db.selectFrom('task_logs').select('message').where('level', '=', 'WARN').execute();
    expect(retried.map((l) => l.message)).toContainEqual(expect.stringMatching(/^attempt 1 failed, retrying: /));
    // Each retry counts in its task's retriedTimes, as MMS shows it.
    const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}`)).objectList;
    expect(tasks.reduce((n: number, t: { retriedTimes: number }) => n + t.retriedTimes, 0)).toBe(retried.filter((l) => /^attempt \d+ failed, retrying: /.test(l.message)).length);
    expect(await digest(dst.url, 'a.events')).toEqual(await digest(src.url, 'events'));
  });

  it('a destination error mid-copy fails only its partition, rolled back; retried after the fix, nothing is doubled', async () => {
    // The destination refuses one region's rows: the partitions before it commit, that one rolls back.
    await pgQuery(dst.url, `CREATE SCHEMA b; CREATE TABLE b.events (id bigint, region text, payload text, _mms_partition text, CONSTRAINT no_asia CHECK (region <> 'asia'))`);
    const { jobId } = await call('POST', `/datasources/${sourceId}/jobs`, { name: 'dest-error', srcDbName: 'public', dstDbName: 'b', increment: false, others: { 'task.partition.max.num': 1 } });
    const failed = await waitFor(jobId, ['FAILED', 'DONE']);
    expect(failed.status).toBe('FAILED');
    const tasks = (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&status=FAILED`)).objectList;
    expect(tasks.map((t: any) => t.errMsg)).toEqual([expect.stringContaining('violates check constraint "no_asia"')]);
    expect(await pgQuery(dst.url, `SELECT count(*)::int AS n FROM b.events WHERE region = 'asia'`)).toEqual([{ n: 0 }]);

    await pgQuery(dst.url, `ALTER TABLE b.events DROP CONSTRAINT no_asia`);
    await call('POST', `/datasources/${sourceId}/jobs/${jobId}/retry`);
    expect((await waitFor(jobId, ['DONE', 'FAILED'])).status).toBe('DONE');
    expect(await digest(dst.url, 'b.events')).toEqual(await digest(src.url, 'events'));
  });

  it('the metadata store drops its connections mid-copy (a restart): the job still ends DONE and exact', async () => {
    if (kind === 'sqlite') return; // a file: nothing to restart
    const { jobId } = await call('POST', `/datasources/${sourceId}/jobs`, { name: 'store-restart', srcDbName: 'public', dstDbName: 'c', increment: false, others: { 'task.partition.max.num': 1 } });
    await until(async () => (await job(jobId)).status === 'DOING');
    await dropConnections(new URL(api.testStore.url).pathname.slice(1));
    const end = await until(async () => ['DONE', 'FAILED'].includes((await job(jobId).catch(() => ({ status: 'retry' }))).status)).then(() => job(jobId));
    if (end.status === 'FAILED') await call('POST', `/datasources/${sourceId}/jobs/${jobId}/retry`);
    expect((await waitFor(jobId, ['DONE'])).status).toBe('DONE');
    expect(await digest(dst.url, 'c.events')).toEqual(await digest(src.url, 'events'));
  });

  it('never writes the password: not in responses, logs, task logs or error messages', async () => {
    const taskLogs = await api.store.db.selectFrom('task_logs').select(['message', 'data']).execute();
    const errors = await api.store.db.selectFrom('tasks').select('err_msg').execute();
    const everything = [...api.responses, ...api.logs, ...taskLogs.map((l) => `${l.message} ${l.data}`), ...errors.map((e) => e.err_msg ?? '')].join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).not.toContain(PASSWORD);
    const stored = await api.store.db.selectFrom('datasources').select(['config', 'secrets']).execute();
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
  });
});

describe('fault injection on real MariaDB', () => {
  let api: TestApi;
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  let dst: PgDb;
  const user = `openmms_fault_${process.pid}`;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await api.call(method, mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };

  beforeAll(async () => {
    maria = await createMariaDatabase('openmms_fault_maria');
    await maria.admin.query(`
      CREATE TABLE events (id bigint, region varchar(16), payload text)
        PARTITION BY LIST COLUMNS (region) (${REGIONS.map((r) => `PARTITION p_${r} VALUES IN ('${r}')`).join(', ')});
      INSERT INTO events SELECT seq, ELT(1 + seq % ${REGIONS.length}, '${REGIONS.join("','")}'), MD5(seq) FROM seq_1_to_240000;
      CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}';
      GRANT SELECT, SHOW VIEW ON \`${maria.name}\`.* TO '${user}'@'%';`);
    dst = await createPgDatabase('openmms_fault_mdst');
    api = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-faults-maria-')), { runJobs: true });
  });
  afterAll(async () => {
    await api?.close();
    await maria?.admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await maria?.drop();
    await dst?.drop();
  });

  it('MariaDB connections killed mid-copy: the task retries and finishes; source = destination', async () => {
    const { dataSourceId: id } = await call('POST', '/datasources', { name: 'm', type: 'MYSQL', config: { source: { ...MARIADB, user, password: PASSWORD, database: maria.name }, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    await call('POST', `/datasources/${id}/scans`);
    await api.app.scans.idle();
    const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name: 'kill', srcDbName: maria.name, dstDbName: 'm', others: { 'task.partition.max.num': 6 } });
    const job = () => call('GET', `/datasources/${id}/jobs/${jobId}`);
    await until(async () => (await job()).status === 'DOING');
    // Every session of the data source's own user (other tests' sessions are left alone), once the
    // first partition is copied: the reader's session is open then, between two of its reads.
    await until(async () => (await api.store.db.selectFrom('task_logs').select('id').where('message', 'like', 'copied partition%').execute()).length > 0);
    const [sessions] = (await maria.admin.query(`SELECT id FROM information_schema.processlist WHERE user = ?`, [user])) as any as [{ id: number }[]];
    for (const { id: sid } of sessions) await maria.admin.query(`KILL ${Number(sid)}`).catch(() => {});
    await until(async () => ['DONE', 'FAILED'].includes((await job()).status));
    const failures = (await call('GET', `/datasources/${id}/tasks?jobId=${jobId}&status=FAILED`)).objectList.map((t: any) => t.errMsg);
    expect([(await job()).status, failures]).toEqual(['DONE', []]);
    const retried = await api.store.db.selectFrom('task_logs').select('message').where('level', '=', 'WARN').execute();
    expect(retried.map((l) => l.message)).toContainEqual(expect.stringMatching(/^attempt 1 failed, retrying: /));
    // A digest per region, each well under MariaDB's packet size.
    await maria.admin.query('SET SESSION group_concat_max_len = 1073741824');
    const [want] = await maria.admin.query(`SELECT region, count(*) AS n, MD5(GROUP_CONCAT(CONCAT(id, ':', payload) ORDER BY id SEPARATOR ',')) AS h FROM events GROUP BY region ORDER BY region`);
    const got = await pgQuery(dst.url, `SELECT region, count(*)::int AS n, md5(string_agg(id || ':' || payload, ',' ORDER BY id)) AS h FROM m.events GROUP BY region ORDER BY region`);
    expect(got).toEqual((want as any[]).map((r) => ({ region: r.region, n: Number(r.n), h: r.h })));
    expect(got.reduce((n, r) => n + r.n, 0)).toBe(240000);
    const written = [...api.responses, ...api.logs, ...(await api.store.db.selectFrom('task_logs').select('message').execute()).map((l) => l.message)].join('\n');
    expect(written).not.toContain(PASSWORD);
  });
});
