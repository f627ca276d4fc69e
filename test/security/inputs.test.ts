import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck } from '../../src/connectors/duckdb/connect.js';
import { Sandbox } from '../../src/security/sandbox.js';
import { openStore } from '../../src/store/store.js';
import { mms, TestApi } from '../support/api.js';
import { createTestStore, STORE_KINDS } from '../support/stores.js';

describe.each(STORE_KINDS)('hostile inputs get the 4xx envelope, never a 500 (%s store)', (kind) => {
  let api: TestApi;
  let id: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-inputs-'));
  beforeAll(async () => {
    new SqliteDatabase(join(dataDir, 's.sqlite')).exec('CREATE TABLE t (id INTEGER)');
    api = await TestApi.start(kind, dataDir);
    id = (await api.call('POST', mms('/datasources'), { name: 's', type: 'SQLITE', config: { source: { path: 's.sqlite' } } })).body.data.dataSourceId;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
  });
  afterAll(() => api?.close());

  const envelope = (res: { status: number; body: any }) => [res.status, Object.keys(res.body ?? {}).sort()];

  it('refuses a NUL character in any body, query or path, authenticated or not', async () => {
    const calls = [
      api.call('POST', mms('/datasources'), { name: 'a\u0000b', type: 'SQLITE', config: { source: { path: 's.sqlite' } } }),
      api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'j', srcDbName: 'main', others: { 'k\u0000': 1 } }),
      api.call('POST', '/api/v1/auth/tokens', { accessKeyId: 'x\u0000', accessKeySecret: 'y' }, { authorization: '' }),
      api.call('GET', mms(`/datasources/${id}/jobs?name=%00`)),
      api.call('GET', mms(`/datasources?name=a%00b`)),
      api.call('GET', mms(`/datasources/${id}/tables?name=%00`)),
    ];
    for (const res of await Promise.all(calls)) {
      expect(envelope(res)).toEqual([400, ['code', 'message', 'requestId']]);
      expect(res.body.message).toMatch(/NUL character/);
    }
  });

  it('refuses JSON nested deeper than any call needs, before parsing it', async () => {
    for (const depth of [33, 1000, 200_000]) {
      const others = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const res = await api.call('POST', mms(`/datasources/${id}/jobs`), `{"name":"deep","srcDbName":"main","others":${others}}`);
      expect(envelope(res)).toEqual([400, ['code', 'message', 'requestId']]);
      expect(res.body.message).toBe('the request body is nested more than 32 levels deep');
    }
    const arrays = await api.call('POST', mms('/datasources'), `{"name":${'['.repeat(50_000)}${']'.repeat(50_000)}}`);
    expect(arrays.status).toBe(400);
    // Brackets inside strings are text, not nesting.
    const text = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: '[[[[{{{{'.repeat(10), srcDbName: 'main', tableMapping: { t: '[[[[' }, increment: false });
    expect(text.status, text.text).toBe(200);
  });

  it('answers oversized URLs and headers on the wire with the envelope', async () => {
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    for (const init of [{ url: `${mms('/datasources')}?name=${'x'.repeat(20_000)}` }, { url: mms('/datasources'), headers: { 'x-big': 'y'.repeat(20_000) } }]) {
      const res = await fetch(`${address}${init.url}`, { headers: { authorization: `Bearer ${api.token}`, ...init.headers } });
      expect(res.status).toBe(431);
      expect(await res.json()).toMatchObject({ code: 'RequestHeaderFieldsTooLarge', message: expect.stringContaining('16 KB') });
    }
    const longId = await fetch(`${address}${mms(`/datasources/${'1'.repeat(300)}/jobs`)}`, { headers: { authorization: `Bearer ${api.token}` } });
    expect([longId.status, Object.keys((await longId.json()) as object).sort()]).toEqual([414, ['code', 'message', 'requestId']]);
    const badEscape = await fetch(`${address}${mms('/datasources/%E0%A4%A')}`, { headers: { authorization: `Bearer ${api.token}` } });
    expect([badEscape.status, ((await badEscape.json()) as { code: string }).code]).toEqual([400, 'InvalidParameter']);
  });
});

describe('the service\'s own files and its engines', () => {
  it('keeps the store file 0600 and the data directory 0700', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'openmms-modes-')), 'data');
    const store = await openStore(`sqlite:${join(dir, 'openmms.sqlite')}`);
    await store.close();
    await Sandbox.create({ dataDir: dir });
    expect(statSync(join(dir, 'openmms.sqlite')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('opens DuckDB sources read-only and never lets a file make DuckDB load an extension', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-duck-ro-'));
    const duck = await openDuck(join(dataDir, 'src.duckdb'), { readOnly: false });
    await duck.all("CREATE TABLE t (v VARCHAR); INSERT INTO t VALUES ('a'), ('b')");
    duck.close();
    new SqliteDatabase(join(dataDir, 'not-duck.duckdb')).exec('CREATE TABLE t (id INTEGER)');
    const digest = () => createHash('sha256').update(readFileSync(join(dataDir, 'src.duckdb'))).digest('hex');
    const before = digest();
    const api = await TestApi.start('sqlite', dataDir, { runJobs: true });
    try {
      const { dataSourceId } = (await api.call('POST', mms('/datasources'), { name: 'duck', type: 'DUCKDB', config: { source: { path: 'src.duckdb' } } })).body.data;
      await api.call('POST', mms(`/datasources/${dataSourceId}/scans`));
      await api.app.scans.idle();
      const { jobId } = (await api.call('POST', mms(`/datasources/${dataSourceId}/jobs`), { name: 'copy', srcDbName: 'main', others: { 'verify.checksum': true } })).body.data;
      await api.app.runner!.idle();
      expect((await api.call('GET', mms(`/datasources/${dataSourceId}/jobs/${jobId}`))).body.data.status).toBe('DONE');
      expect(digest()).toBe(before);
      // A SQLite file named as a DuckDB source: DuckDB would fetch and load its sqlite extension on demand.
      const sqlite = await api.call('POST', mms('/datasources'), { name: 'sqlite-as-duck', type: 'DUCKDB', config: { source: { path: 'not-duck.duckdb' } } });
      expect(sqlite.status).toBe(400);
      expect(sqlite.body.message).toMatch(/it is not a DuckDB database file$/);
    } finally {
      await api.close();
    }
  });

  it('removes the staging folders an interrupted lake copy left, at start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-staging-'));
    new SqliteDatabase(join(dataDir, 's.sqlite')).exec('CREATE TABLE t (id INTEGER)');
    const store = await createTestStore('sqlite');
    const first = await TestApi.start('sqlite', dataDir, { store });
    const { dataSourceId } = (await first.call('POST', mms('/datasources'), { name: 'lake', type: 'SQLITE', config: { source: { path: 's.sqlite' }, destination: { type: 'LAKE', path: 'lake' } } })).body.data;
    expect(dataSourceId).toBe(1);
    await first.close();
    const leftovers = [join(dataDir, 'lake', '.mms-new-abc'), join(dataDir, 'lake', 'sales.db', 'orders', 'dt=1', '.mms-old-def'), join(dataDir, 'lake', 'sales.db', 'orders', 'dt=2', '.mms-new-0')];
    for (const l of leftovers) {
      mkdirSync(l, { recursive: true });
      writeFileSync(join(l, 'part-0.parquet'), 'half a file');
    }
    writeFileSync(join(dataDir, 'lake', 'sales.db', 'orders', 'dt=2', 'part-0.parquet'), 'kept');
    const second = await TestApi.start('sqlite', dataDir, { store, runJobs: true, secrets: first.secrets });
    try {
      expect(readdirSync(join(dataDir, 'lake'))).toEqual(['sales.db']);
      expect(readdirSync(join(dataDir, 'lake', 'sales.db', 'orders', 'dt=1'))).toEqual([]);
      expect(readdirSync(join(dataDir, 'lake', 'sales.db', 'orders', 'dt=2'))).toEqual(['part-0.parquet']);
    } finally {
      await second.close();
      await store.drop();
    }
  });
});
