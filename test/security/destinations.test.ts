import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck } from '../../src/connectors/duckdb/connect.js';
import { mms, TestApi, type ApiResponse } from '../support/api.js';
import { until } from '../support/processes.js';
import { STORE_KINDS } from '../support/stores.js';

type As = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => Promise<ApiResponse>;
const TENANT = { statements: [{ effect: 'Allow' as const, actions: ['odps:*'], resources: ['datasource/*'] }] };

async function rowsOf(file: string, table: string): Promise<string[]> {
  const duck = await openDuck(file, { readOnly: true });
  try {
    return (await duck.all<{ v: string }>(`SELECT v FROM main.${table} ORDER BY v`)).map((r) => r.v);
  } finally {
    duck.close();
  }
}

describe.each(STORE_KINDS)('each data source\'s destination is its own (%s store)', (kind) => {
  let api: TestApi;
  let alice: As;
  let bob: As;
  const root = mkdtempSync(join(tmpdir(), 'openmms-dst-'));

  const source = async (as: As, name: string, file: string, destination?: object) => {
    const res = await as('POST', mms('/datasources'), { name, type: 'SQLITE', config: { source: { path: file }, ...(destination && { destination }) } });
    expect(res.status, res.text).toBe(200);
    const id = res.body.data.dataSourceId as number;
    await as('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    return id;
  };
  const finished = async (as: As, id: number, jobId: number) => {
    await until(async () => ['DONE', 'FAILED'].includes((await as('GET', mms(`/datasources/${id}/jobs/${jobId}`))).body.data.status));
    return (await as('GET', mms(`/datasources/${id}/jobs/${jobId}`))).body.data.status as string;
  };

  beforeAll(async () => {
    for (const who of ['alice', 'bob']) {
      new SqliteDatabase(join(root, `${who}.sqlite`)).exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('${who}'); CREATE TABLE u (v TEXT); INSERT INTO u VALUES ('${who}-u')`);
    }
    api = await TestApi.start(kind, root, { runJobs: true });
    alice = await api.tenant('alice', TENANT);
    bob = await api.tenant('bob', TENANT);
  });
  afterAll(() => api?.close());

  it('data sources that name no destination write files of their own, which no path reaches', async () => {
    const a = await source(alice, 'alice-private', 'alice.sqlite');
    const b = await source(bob, 'bob-private', 'bob.sqlite');
    for (const [as, id] of [[alice, a], [bob, b]] as const) {
      const { jobId } = (await as('POST', mms(`/datasources/${id}/jobs`), { name: 'all', srcDbName: 'main', tables: ['t'] })).body.data;
      expect(await finished(as, id, jobId)).toBe('DONE');
    }
    expect(await rowsOf(join(api.serviceDir, 'destinations', `source-${a}.duckdb`), 't')).toEqual(['alice']);
    expect(await rowsOf(join(api.serviceDir, 'destinations', `source-${b}.duckdb`), 't')).toEqual(['bob']);
    expect(existsSync(join(root, 'destination.duckdb'))).toBe(false);
  });

  it('a destination table another data source wrote is refused (409, naming the owner) unless the policy explicitly allows sharing', async () => {
    const shared = { type: 'DUCKDB', path: 'shared.duckdb' };
    const a = await source(alice, 'alice-shared', 'alice.sqlite', shared);
    const b = await source(bob, 'bob-shared', 'bob.sqlite', shared);
    const { jobId } = (await alice('POST', mms(`/datasources/${a}/jobs`), { name: 'first', srcDbName: 'main', tables: ['t'] })).body.data;
    expect(await finished(alice, a, jobId)).toBe('DONE');

    for (const body of [{ tables: ['t'] }, { tables: ['u'], tableMapping: { u: 'T' } }, { tables: ['t'], dstDbName: 'MAIN' }, { tables: ['u', 't'] }]) {
      const res = await bob('POST', mms(`/datasources/${b}/jobs`), { name: `overwrite-${Math.random()}`, srcDbName: 'main', ...body });
      expect([JSON.stringify(body), res.status, res.body.code]).toEqual([JSON.stringify(body), 409, 'Conflict.DestinationOwned']);
      expect(res.body.message).toMatch(new RegExp(`is written by data source ${a}; map this table to another name`));
    }
    // A refused job claims nothing (its 'u' stays free).
    expect(await api.store.db.selectFrom('destination_claims').select('object').where('source_id', '=', b).execute()).toEqual([]);
    // Not even an administrator shares by accident: `*` does not count, only the action named.
    expect((await api.call('POST', mms(`/datasources/${b}/jobs`), { name: 'admin', srcDbName: 'main', tables: ['t'] })).status).toBe(409);
    expect(await rowsOf(join(root, 'shared.duckdb'), 't')).toEqual(['alice']);
    // A SQLite destination has one database: another dstDbName is the same table.
    const sqlite = { type: 'SQLITE', path: 'shared.sqlite' };
    const a2 = await source(alice, 'alice-sqlite', 'alice.sqlite', sqlite);
    const b2 = await source(bob, 'bob-sqlite', 'bob.sqlite', sqlite);
    expect((await alice('POST', mms(`/datasources/${a2}/jobs`), { name: 'first', srcDbName: 'main', tables: ['t'] })).status).toBe(200);
    const elsewhere = await bob('POST', mms(`/datasources/${b2}/jobs`), { name: 'other-db', srcDbName: 'main', tables: ['t'], dstDbName: 'other' });
    expect([elsewhere.status, elsewhere.body.code]).toEqual([409, 'Conflict.DestinationOwned']);

    // Another name is fine; so is sharing for a key whose policy names openmms:ShareDestination on the owner.
    const renamed = await bob('POST', mms(`/datasources/${b}/jobs`), { name: 'renamed', srcDbName: 'main', tables: ['t'], tableMapping: { t: 't_bob' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(await finished(bob, b, renamed.body.data.jobId)).toBe('DONE');
    const sharer = await api.tenant('sharer', { statements: [...TENANT.statements, { effect: 'Allow', actions: ['openmms:ShareDestination'], resources: [`datasource/${a}`] }] });
    const together = await sharer('POST', mms(`/datasources/${b}/jobs`), { name: 'together', srcDbName: 'main', tables: ['t'], increment: false });
    expect(together.status, together.text).toBe(200);
    expect(await finished(bob, b, together.body.data.jobId)).toBe('DONE');
    expect(await rowsOf(join(root, 'shared.duckdb'), 't_bob')).toEqual(['bob']);
  });

  it('no data source writes into a file or folder another one reads, or reads one another one writes', async () => {
    const reader = await source(alice, 'alice-reads', 'alice.sqlite', { type: 'LAKE', path: 'alice-lake' });
    const attempts: [string, () => Promise<ApiResponse>][] = [
      ['write into her source', () => bob('POST', mms('/datasources'), { name: 'x', type: 'SQLITE', config: { source: { path: 'bob.sqlite' }, destination: { type: 'SQLITE', path: 'alice.sqlite' } } })],
      ['read her destination', () => bob('POST', mms('/datasources'), { name: 'x', type: 'LAKE', config: { source: { path: 'alice-lake' } } })],
      ['read a folder inside it', () => bob('POST', mms('/datasources'), { name: 'x', type: 'LAKE', config: { source: { path: 'alice-lake/default' } } })],
      ['read a folder holding it', () => bob('POST', mms('/datasources'), { name: 'x', type: 'LAKE', config: { source: { path: '.' } } })],
      ['test the same', () => bob('POST', mms('/datasources/test'), { name: 'x', type: 'LAKE', config: { source: { path: 'alice-lake' } } })],
      ['move there by an update', async () => {
        const id = await source(bob, 'bob-moves', 'bob.sqlite');
        return bob('PUT', mms(`/datasources/${id}`), { config: { destination: { type: 'SQLITE', path: './alice.sqlite' } } });
      }],
    ];
    for (const [what, attempt] of attempts) {
      const res = await attempt();
      expect([what, res.status, res.body.code]).toEqual([what, 409, 'Conflict.FileInUse']);
      expect(res.body.message).toMatch(new RegExp(`data source (${reader}|\\d+) (writes to|reads from) this file or folder`));
    }
    const sharer = await api.tenant('reader-of-alice', { statements: [...TENANT.statements, { effect: 'Allow', actions: ['openmms:ShareDestination'], resources: ['datasource/*'] }] });
    mkdirSync(join(root, 'alice-lake'), { recursive: true }); // as her first copy leaves it (a connection test creates nothing)
    expect((await sharer('POST', mms('/datasources'), { name: 'chain', type: 'LAKE', config: { source: { path: 'alice-lake' } } })).status).toBe(200);
  });

  it('a grant to share ends with the key that made it: its data source no longer writes or reads what it shared', async () => {
    const owner = await source(alice, 'grant-owner', 'alice.sqlite', { type: 'DUCKDB', path: 'granted.duckdb' });
    const first = (await alice('POST', mms(`/datasources/${owner}/jobs`), { name: 'first', srcDbName: 'main', tables: ['t'] })).body.data.jobId;
    expect(await finished(alice, owner, first)).toBe('DONE');
    const lake = await source(alice, 'lake-owner', 'alice.sqlite', { type: 'LAKE', path: 'granted-lake' });
    const lakeJob = (await alice('POST', mms(`/datasources/${lake}/jobs`), { name: 'lake', srcDbName: 'main', tables: ['t'] })).body.data.jobId;
    expect(await finished(alice, lake, lakeJob)).toBe('DONE');
    const sharing = { statements: [...TENANT.statements, { effect: 'Allow' as const, actions: ['openmms:ShareDestination'], resources: [`datasource/${owner}`, `datasource/${lake}`] }] };
    const key = await api.app.accessKeys.create('granter', sharing);
    const { token } = await api.app.accessKeys.issueToken(key.accessKeyId, key.accessKeySecret);
    const granter: As = (method, url, body) => api.call(method, url, body, { authorization: `Bearer ${token}` });
    // A table she owns, written with the grant; and a lake reading her destination's folder, created with it.
    const writer = await source(granter, 'grant-writer', 'bob.sqlite', { type: 'DUCKDB', path: 'granted.duckdb' });
    const together = (await granter('POST', mms(`/datasources/${writer}/jobs`), { name: 'together', srcDbName: 'main', tables: ['t'], increment: false })).body.data.jobId;
    expect(await finished(granter, writer, together)).toBe('DONE');
    const reader = (await granter('POST', mms('/datasources'), { name: 'grant-reader', type: 'LAKE', config: { source: { path: 'granted-lake' }, destination: { type: 'DUCKDB', path: 'reader.duckdb' } } })).body.data.dataSourceId;
    await granter('POST', mms(`/datasources/${reader}/scans`));
    await api.app.scans.idle();
    const read = (await granter('POST', mms(`/datasources/${reader}/jobs`), { name: 'read', srcDbName: 'default', tables: ['t'], increment: false })).body.data.jobId;
    expect(await finished(granter, reader, read)).toBe('DONE');

    expect((await api.call('DELETE', `/api/v1/auth/accessKeys/${key.accessKeyId}`)).status).toBe(200);
    for (const [id, jobId, why] of [[writer, together, `is written by data source ${owner}`], [reader, read, `data source ${lake} writes to this file or folder`]] as const) {
      expect((await bob('POST', mms(`/datasources/${id}/jobs/${jobId}/start`))).status).toBe(200);
      expect(await finished(bob, id, jobId)).toBe('FAILED');
      const tasks = (await bob('GET', mms(`/datasources/${id}/tasks?jobId=${jobId}`))).body.data.objectList;
      expect(tasks.map((t: { errMsg: string }) => t.errMsg).join(' ')).toContain(why);
    }
    // Hers are untouched, and her own jobs still run.
    expect(await rowsOf(join(root, 'granted.duckdb'), 't')).toEqual(['bob']);
    expect((await alice('POST', mms(`/datasources/${owner}/jobs/${first}/start`))).status).toBe(200);
    expect(await finished(alice, owner, first)).toBe('DONE');
  });

  it('a connection test creates nothing', async () => {
    for (const destination of [{ type: 'LAKE', path: 'never/made/lake' }, { type: 'DUCKDB', path: 'nor/this.duckdb' }, { type: 'SQLITE', path: 'nor-that/x.sqlite' }]) {
      const res = await alice('POST', mms('/datasources/test'), { name: 'x', type: 'SQLITE', config: { source: { path: 'alice.sqlite' }, destination } });
      expect([destination.path, res.status]).toEqual([destination.path, 200]);
    }
    expect(['never', 'nor', 'nor-that'].filter((f) => existsSync(join(root, f)))).toEqual([]);
  });

  it('a destination changed after the job was created is checked again before any row is written', async () => {
    const target = { type: 'DUCKDB', path: 'moved.duckdb' };
    const a = await source(alice, 'alice-moved', 'alice.sqlite', target);
    const first = (await alice('POST', mms(`/datasources/${a}/jobs`), { name: 'u', srcDbName: 'main', tables: ['u'] })).body.data.jobId;
    expect(await finished(alice, a, first)).toBe('DONE');
    const b = await source(bob, 'bob-moving', 'bob.sqlite');
    const jobId = (await bob('POST', mms(`/datasources/${b}/jobs`), { name: 'u', srcDbName: 'main', tables: ['u'], increment: false })).body.data.jobId;
    expect(await finished(bob, b, jobId)).toBe('DONE');
    expect((await bob('PUT', mms(`/datasources/${b}`), { config: { destination: target } })).status).toBe(200);
    expect((await bob('POST', mms(`/datasources/${b}/jobs/${jobId}/start`))).status).toBe(200);
    expect(await finished(bob, b, jobId)).toBe('FAILED');
    const tasks = (await bob('GET', mms(`/datasources/${b}/tasks?jobId=${jobId}`))).body.data.objectList;
    expect(tasks.some((t: { errMsg?: string }) => /is written by data source \d+/.test(t.errMsg ?? ''))).toBe(true);
    expect(await rowsOf(join(root, 'moved.duckdb'), 'u')).toEqual(['alice-u']);
  });
});
