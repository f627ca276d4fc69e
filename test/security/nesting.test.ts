import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { mms, TestApi, type ApiResponse } from '../support/api.js';
import { until } from '../support/processes.js';
import { createPgDatabase, STORE_KINDS } from '../support/stores.js';

type As = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => Promise<ApiResponse>;
const TENANT = { statements: [{ effect: 'Allow' as const, actions: ['odps:*'], resources: ['datasource/*'] }] };

describe.each(STORE_KINDS)('file destinations neither contain nor lie inside another data source\'s files (%s store)', (kind) => {
  let api: TestApi;
  let victim: As;
  let tenant: As;
  const root = mkdtempSync(join(tmpdir(), 'openmms-nesting-'));
  let victimId: number;

  const create = (as: As, name: string, config: object, type = 'SQLITE') => as('POST', mms('/datasources'), { name, type, config });
  const created = async (as: As, name: string, config: object, type = 'SQLITE') => {
    const res = await create(as, name, config, type);
    expect(res.status, res.text).toBe(200);
    return res.body.data.dataSourceId as number;
  };
  const finished = async (as: As, id: number, jobId: number) => {
    await until(async () => ['DONE', 'FAILED'].includes((await as('GET', mms(`/datasources/${id}/jobs/${jobId}`))).body.data.status));
    return (await as('GET', mms(`/datasources/${id}/jobs/${jobId}`))).body.data.status as string;
  };

  beforeAll(async () => {
    new SqliteDatabase(join(root, 'src.sqlite')).exec(`CREATE TABLE mine (v TEXT); INSERT INTO mine VALUES ('tenant'); CREATE TABLE theirs (v TEXT); INSERT INTO theirs VALUES ('victim')`);
    api = await TestApi.start(kind, root, { runJobs: true });
    victim = await api.tenant('victim', TENANT);
    tenant = await api.tenant('tenant', TENANT);
    // The victim's lake at <root>/vlake, written once.
    victimId = await created(victim, 'victim-lake', { source: { path: 'src.sqlite' }, destination: { type: 'LAKE', path: 'vlake' } });
    await victim('POST', mms(`/datasources/${victimId}/scans`));
    await api.app.scans.idle();
    const { jobId } = (await victim('POST', mms(`/datasources/${victimId}/jobs`), { name: 'v', srcDbName: 'main', tables: ['theirs'] })).body.data;
    expect(await finished(victim, victimId, jobId)).toBe('DONE');
  });
  afterAll(() => api?.close());

  it('a lake destination is never a file root itself', async () => {
    for (const path of ['.', './', root, join(root, 'x', '..')]) {
      const res = await create(tenant, `at-root-${path}`, { source: { path: 'src.sqlite' }, destination: { type: 'LAKE', path } });
      expect([path, res.status, res.body.code]).toEqual([path, 400, 'InvalidPath']);
      expect(res.body.message).toMatch(/a lake destination must be a folder inside a file root, not the root itself/);
    }
  });

  it('refuses destinations inside, around or beside another data source\'s (create, test and update)', async () => {
    mkdirSync(join(root, 'vlake', 'default-ish'), { recursive: true });
    const inside = [
      ['a SQLite file in her lake', { type: 'SQLITE', path: 'vlake/theirs/evil.sqlite' }],
      ['a DuckDB file in her lake', { type: 'DUCKDB', path: 'vlake/x.duckdb' }],
      ['a lake inside her lake', { type: 'LAKE', path: 'vlake/theirs' }],
      ['a lake inside her lake, spelled otherwise', { type: 'LAKE', path: './other/../vlake//default-ish' }],
    ] as const;
    for (const [what, destination] of inside) {
      for (const attempt of [
        () => create(tenant, `nested-${what}`, { source: { path: 'src.sqlite' }, destination }),
        () => tenant('POST', mms('/datasources/test'), { name: 'x', type: 'SQLITE', config: { source: { path: 'src.sqlite' }, destination } }),
      ]) {
        const res = await attempt();
        expect([what, res.status, res.body.code]).toEqual([what, 409, 'Conflict.FileInUse']);
        expect(res.body.message).toMatch(new RegExp(`data source ${victimId} writes the folder this one lies in`));
      }
    }
    // A lake whose folder holds hers: at create, and by moving there in an update.
    mkdirSync(join(root, 'holder'), { recursive: true });
    const holder = await create(tenant, 'holder', { source: { path: 'src.sqlite' }, destination: { type: 'LAKE', path: 'holder' } });
    expect(holder.status).toBe(200);
    const victim2 = await create(victim, 'victim-inside', { source: { path: 'src.sqlite' }, destination: { type: 'LAKE', path: 'holder/v2' } });
    expect([victim2.status, victim2.body.code]).toEqual([409, 'Conflict.FileInUse']);
    const mover = await created(tenant, 'mover', { source: { path: 'src.sqlite' }, destination: { type: 'DUCKDB', path: 'mover.duckdb' } });
    for (const destination of [{ type: 'LAKE', path: 'vlake/theirs' }, { type: 'SQLITE', path: 'vlake/a.sqlite' }, { type: 'DUCKDB', path: 'holder/../vlake/b.duckdb' }]) {
      const res = await tenant('PUT', mms(`/datasources/${mover}`), { config: { destination } });
      expect([destination.path, res.status, res.body.code]).toEqual([destination.path, 409, 'Conflict.FileInUse']);
    }
  });

  it('one file is one engine\'s, and a database\'s journal or WAL is nobody else\'s file', async () => {
    await created(victim, 'duck-owner', { source: { path: 'src.sqlite' }, destination: { type: 'DUCKDB', path: 'shared.duckdb' } });
    for (const destination of [{ type: 'SQLITE', path: 'shared.duckdb' }, { type: 'SQLITE', path: 'shared.duckdb.wal' }, { type: 'DUCKDB', path: 'shared.duckdb.wal' }]) {
      const res = await create(tenant, `companion-${destination.type}-${destination.path}`, { source: { path: 'src.sqlite' }, destination });
      expect([destination.path, res.status, res.body.code]).toEqual([destination.path, 409, 'Conflict.FileInUse']);
    }
    // The same file with the same engine is shared table by table (DestinationGuard), as before.
    expect((await create(tenant, 'duck-sharer', { source: { path: 'src.sqlite' }, destination: { type: 'DUCKDB', path: './shared.duckdb' } })).status).toBe(200);
  });

  it('no table name reaches another lake: mapped through the job, the catalog, or the .db folders of databases', async () => {
    // The tenant's lake beside hers, in the same root.
    const id = await created(tenant, 'tenant-lake', { source: { path: 'src.sqlite' }, destination: { type: 'LAKE', path: 'tlake' } });
    await tenant('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    for (const body of [{ tableMapping: { mine: '../vlake' } }, { tableMapping: { mine: 'x.db' } }, { dstDbName: '../vlake' }, { dstDbName: '..' }]) {
      const res = await tenant('POST', mms(`/datasources/${id}/jobs`), { name: `map-${JSON.stringify(body)}`, srcDbName: 'main', tables: ['mine'], ...body });
      expect([JSON.stringify(body), res.status, res.body.code]).toEqual([JSON.stringify(body), 400, 'InvalidParameter']);
    }
    const table = (await tenant('GET', mms(`/datasources/${id}/tables?dbName=main&name=mine`))).body.data.objectList[0];
    for (const dstName of ['../vlake', 'vlake/../../vlake', 'theirs.db']) {
      const res = await tenant('PUT', mms(`/datasources/${id}/tables/${table.id}`), { dstName });
      expect([dstName, res.status, res.body.code]).toEqual([dstName, 400, 'InvalidParameter']);
    }
    for (const dstProjectName of ['..', '../vlake', '.']) {
      const res = await tenant('PUT', mms(`/datasources/${id}/tables`), { dbName: 'main', tableNames: ['mine'], dstProjectName });
      expect([dstProjectName, res.status, res.body.code]).toEqual([dstProjectName, 400, 'InvalidParameter']);
    }
    // Her lake is as she left it.
    expect(readdirSync(join(root, 'vlake'))).toEqual(expect.arrayContaining(['theirs']));
    expect(existsSync(join(root, 'vlake', 'theirs'))).toBe(true);
  });

  it('system schemas are no destination database', async () => {
    const pg = await createPgDatabase('openmms_sys');
    try {
      const id = await created(tenant, 'pg-dst', { source: { path: 'src.sqlite' }, destination: { type: 'POSTGRESQL', ...pg.conn } });
      await tenant('POST', mms(`/datasources/${id}/scans`));
      await api.app.scans.idle();
      for (const dstDbName of ['information_schema', 'pg_catalog', 'pg_toast', 'pg_anything']) {
        const res = await tenant('POST', mms(`/datasources/${id}/jobs`), { name: `sys-${dstDbName}`, srcDbName: 'main', tables: ['mine'], dstDbName });
        expect([dstDbName, res.status, res.body.code]).toEqual([dstDbName, 400, 'InvalidParameter']);
        expect(res.body.message).toMatch(/PostgreSQL keeps information_schema and the pg_ schemas for itself/);
      }
      const duck = await created(tenant, 'duck-dst', { source: { path: 'src.sqlite' }, destination: { type: 'DUCKDB', path: 'sys.duckdb' } });
      await tenant('POST', mms(`/datasources/${duck}/scans`));
      await api.app.scans.idle();
      for (const dstDbName of ['information_schema', 'PG_CATALOG', 'temp', 'system']) {
        const res = await tenant('POST', mms(`/datasources/${duck}/jobs`), { name: `sys-${dstDbName}`, srcDbName: 'main', tables: ['mine'], dstDbName });
        expect([dstDbName, res.status]).toEqual([dstDbName, 400]);
      }
    } finally {
      await pg.drop();
    }
  });
});
