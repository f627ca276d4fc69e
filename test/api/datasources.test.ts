import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { PG_ADMIN_URL, pgConnection, STORE_KINDS } from '../support/stores.js';

const PASSWORD = 'pw-Zq8!never-shown';

// The test server trusts local logins, so any password connects: enough to follow one through the API.
const pgConn = pgConnection(PG_ADMIN_URL);
const pgSource = (name: string, password = PASSWORD) => ({ name, type: 'POSTGRESQL', config: { source: { ...pgConn, password } } });

describe.each(STORE_KINDS)('data sources API on the %s store', (kind) => {
  let api: TestApi;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-ds-'));
  beforeAll(async () => {
    new SqliteDatabase(join(dataDir, 'x.db')).close();
    api = await TestApi.start(kind, dataDir);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('creates a data source and returns it without its password', async () => {
    const created = await api.call('POST', mms('/datasources'), pgSource('ds-create'));
    expect(created.status).toBe(200);
    expect(created.body.requestId).toMatch(/^[0-9A-F-]{36}$/);
    const id = created.body.data.dataSourceId;
    expect(id).toBeGreaterThan(0);

    const plain = await api.call('GET', mms(`/datasources/${id}`));
    expect(plain.status).toBe(200);
    expect(plain.body.data).toMatchObject({
      id, name: 'ds-create', type: 'POSTGRESQL', dstType: 'DUCKDB', dstProject: 'main', dstProjects: ['main'],
      lastUpdateTime: null, dbNum: 0, tableNum: 0, partitionNum: 0, status: 'STARTED', errMsg: null,
    });
    expect(plain.body.data.createTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(plain.body.data.config).toBeUndefined();

    const full = await api.call('GET', mms(`/datasources/${id}?withConfig=true`));
    expect(full.body.data.connection).toEqual({
      source: { ...pgConn, hasPassword: true },
      // No destination given: a DuckDB file of its own, which no path can name.
      destination: { type: 'DUCKDB', database: 'main', hasPassword: false },
    });
  });

  it('stores the password sealed, not as text', async () => {
    const { body } = await api.call('POST', mms('/datasources'), pgSource('ds-sealed'));
    const row = await api.store.db.selectFrom('datasources').selectAll().where('id', '=', body.data.dataSourceId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(row.secrets).toMatch(/^v1:[0-9a-f]{8}:/);
  });

  it('lists with filters and paging', async () => {
    for (const n of ['list-a', 'list-b', 'list-c']) await api.call('POST', mms('/datasources'), pgSource(n));
    await api.call('POST', mms('/datasources'), { name: 'list-sqlite', type: 'SQLITE', config: { source: { path: 'x.db' } } });

    const byType = await api.call('GET', mms('/datasources?type=SQLITE'));
    expect(byType.body.data.objectList.map((d: any) => d.name)).toEqual(['list-sqlite']);
    const byName = await api.call('GET', mms('/datasources?name=list-b'));
    expect(byName.body.data.total).toBe(1);
    expect(byName.body.data.objectList[0].name).toBe('list-b');

    const all = await api.call('GET', mms('/datasources'));
    const page = await api.call('GET', mms('/datasources?pageNum=2&pageSize=2'));
    expect(page.body.data).toMatchObject({ total: all.body.data.total, pageNum: 2, pageSize: 2 });
    expect(page.body.data.objectList.map((d: any) => d.id)).toEqual(all.body.data.objectList.slice(2, 4).map((d: any) => d.id));
    expect(page.body.data.objectList[0].config).toBeUndefined();
  });

  it('updates the name and connection, keeping a password the update leaves out only for the same endpoint', async () => {
    const { body } = await api.call('POST', mms('/datasources'), pgSource('ds-update'));
    const id = body.data.dataSourceId;
    const same = await api.call('PUT', mms(`/datasources/${id}`), { config: { source: { ...pgConn, options: { maxConcurrentTasks: 2 } } } });
    expect(same.status, same.text).toBe(200);
    expect((await api.call('GET', mms(`/datasources/${id}?withConfig=true`))).body.data.connection.source.hasPassword).toBe(true);
    // Another host, port, user or database: the saved password would go somewhere else, so it must be given again.
    for (const moved of [{ host: 'localhost' }, { port: 5433 }, { user: 'someone' }, { database: 'template1' }]) {
      const res = await api.call('PUT', mms(`/datasources/${id}`), { config: { source: { ...pgConn, ...moved } } });
      expect(res.status, JSON.stringify(moved)).toBe(400);
      expect(res.body.message).toMatch(new RegExp(`config.source.password is required when ${Object.keys(moved)[0]} changes`));
    }
    const update = await api.call('PUT', mms(`/datasources/${id}`), {
      name: 'ds-updated',
      config: { source: { host: 'localhost', user: pgConn.user, database: pgConn.database, password: PASSWORD } },
    });
    expect(update.status).toBe(200);
    expect(update.body.data).toEqual({ sourceId: id, asyncTaskId: expect.any(Number) });
    const after = await api.call('GET', mms(`/datasources/${id}?withConfig=true`));
    expect(after.body.data.name).toBe('ds-updated');
    expect(after.body.data.connection.source).toEqual({ host: 'localhost', user: pgConn.user, database: pgConn.database, hasPassword: true });

    await api.call('PUT', mms(`/datasources/${id}`), { config: { source: { ...pgConn, password: '' } } });
    const cleared = await api.call('GET', mms(`/datasources/${id}?withConfig=true`));
    expect(cleared.body.data.connection.source.hasPassword).toBe(false);
  });

  it('refuses bad input with 4xx and a message naming the problem', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ ...pgSource('bad-type'), type: 'ORACLE' }, 400, /parameter 'body.type' must be equal to one of the allowed values: POSTGRESQL, MYSQL/],
      [{ name: 'no-host', type: 'POSTGRESQL', config: { source: { database: 'x' } } }, 400, /config.source.host is required for POSTGRESQL/],
      [{ name: 'sqlite-host', type: 'SQLITE', config: { source: { path: '/tmp/a.db', host: 'h' } } }, 400, /config.source.host is not used by SQLITE/],
      [{ name: 'limit', type: 'SQLITE', config: { source: { path: 'x.db', options: { maxConcurrentTasks: 0 } } } }, 400, /config.source.options.maxConcurrentTasks must be a whole number above 0/],
      [{ ...pgSource('extra'), color: 'red' }, 400, /unknown parameter 'body.color'/],
      [{ ...pgSource('port-type'), config: { source: { host: 'h', database: 'd', port: '5432' } } }, 400, /body.config.source.port' must be integer/],
      [{ type: 'POSTGRESQL', config: pgSource('x').config }, 400, /missing parameter 'body.name'/],
      ['{"name": ', 400, /not valid JSON/],
    ];
    for (const [body, status, message] of cases) {
      const res = await api.call('POST', mms('/datasources'), body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(Object.keys(res.body).sort()).toEqual(['code', 'message', 'requestId']);
      expect(res.body.message).toMatch(message);
    }
    await api.call('POST', mms('/datasources'), pgSource('dup'));
    const dup = await api.call('POST', mms('/datasources'), pgSource('dup'));
    expect(dup.status).toBe(409);
    expect(dup.body.message).toBe("a data source named 'dup' already exists");
  });

  it('refuses a connection that does not work, with the reason', async () => {
    const refused = await api.call('POST', mms('/datasources'), { ...pgSource('unreachable'), config: { source: { ...pgConn, port: 1 } } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('ConnectionFailed');
    expect(refused.body.message).toMatch(/cannot connect to PostgreSQL at 127.0.0.1:1\/postgres/);
    const noDb = await api.call('POST', mms('/datasources'), { ...pgSource('no-db'), config: { source: { ...pgConn, database: 'no_such_database_x' } } });
    expect(noDb.body.message).toMatch(/database "no_such_database_x" does not exist/);
    const noFile = await api.call('POST', mms('/datasources'), { name: 'no-file', type: 'SQLITE', config: { source: { path: 'absent.sqlite' } } });
    expect(noFile.body).toMatchObject({ code: 'ConnectionFailed', message: expect.stringMatching(/SQLite file .*absent.sqlite does not exist/) });
    const { body } = await api.call('POST', mms('/datasources'), pgSource('ds-retest'));
    const moved = await api.call('PUT', mms(`/datasources/${body.data.dataSourceId}`), { config: { source: { ...pgConn, port: 1, password: PASSWORD } } });
    expect(moved.body.code).toBe('ConnectionFailed');
    expect((await api.call('GET', mms(`/datasources/${body.data.dataSourceId}?withConfig=true`))).body.data.connection.source.port).toBe(pgConn.port);
  });

  it('tests a data source without saving it (TestMmsDataSource)', async () => {
    const before = (await api.call('GET', mms('/datasources'))).body.data.total;
    const ok = await api.call('POST', mms('/datasources/test'), pgSource('probe'));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data).toEqual({ source: 'OK', destination: 'OK' });
    const refused = await api.call('POST', mms('/datasources/test'), { ...pgSource('probe'), config: { source: { ...pgConn, port: 1 } } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'ConnectionFailed', message: expect.stringMatching(/cannot connect to PostgreSQL at 127.0.0.1:1\/postgres/) });
    const invalid = await api.call('POST', mms('/datasources/test'), { name: 'probe', type: 'SQLITE', config: { source: { host: 'x' } } });
    expect(invalid.body.message).toBe('config.source.path is required for SQLITE; config.source.host is not used by SQLITE');
    expect((await api.call('GET', mms('/datasources'))).body.data.total).toBe(before);
  });

  it('answers 404 for an unknown data source and deletes with its jobs', async () => {
    const missing = await api.call('GET', mms('/datasources/999999'));
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'DataSourceNotFound', message: 'DataSource 999999 does not exist' });
    expect((await api.call('PUT', mms('/datasources/999999'), { name: 'x' })).status).toBe(404);
    expect((await api.call('DELETE', mms('/datasources/999999'))).status).toBe(404);

    const { body } = await api.call('POST', mms('/datasources'), pgSource('ds-delete'));
    const id = body.data.dataSourceId;
    const del = await api.call('DELETE', mms(`/datasources/${id}`));
    expect(del.body.data).toBe(id);
    expect((await api.call('GET', mms(`/datasources/${id}`))).status).toBe(404);
  });

  it('never shows the password in any response or log line', async () => {
    expect(api.responses.length).toBeGreaterThan(10);
    for (const text of [...api.responses, ...api.logs]) expect(text).not.toContain(PASSWORD);
    expect(api.logs.some((l) => l.includes('"msg":"request"'))).toBe(true); // every request is logged (at debug)
  });
});
