import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { STORE_KINDS } from '../support/stores.js';
import { LakeWriter } from '../../src/connectors/lake/writer.js';

/** A tenant allowed everything on data sources (but no key management): what an attacker with an ordinary key has. */
const TENANT = { statements: [{ effect: 'Allow' as const, actions: ['odps:*'], resources: ['*'] }] };

describe.each(STORE_KINDS)('file paths are confined to the file roots (%s store)', (kind) => {
  let api: TestApi;
  let as: Awaited<ReturnType<TestApi['tenant']>>;
  const root = mkdtempSync(join(tmpdir(), 'openmms-root-'));
  const outside = mkdtempSync(join(tmpdir(), 'openmms-outside-'));

  beforeAll(async () => {
    new SqliteDatabase(join(root, 'mine.sqlite')).exec('CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1)');
    new SqliteDatabase(join(outside, 'secret.sqlite')).exec('CREATE TABLE s (id INTEGER)');
    symlinkSync(outside, join(root, 'escape'));
    symlinkSync(join(outside, 'secret.sqlite'), join(root, 'link.sqlite'));
    api = await TestApi.start(kind, root, { runJobs: true });
    as = await api.tenant('tenant', TENANT);
  });
  afterAll(() => api?.close());

  /** Paths an attacker would try: the store, the service's own folder, other folders, escapes by `..` and by symlinks. */
  const hostile = () => {
    const store = api.testStore.kind === 'sqlite' ? api.testStore.url.slice('sqlite:'.length) : join(api.serviceDir, 'openmms.sqlite');
    return [
      store,
      `${store}-wal`,
      relative(root, store),
      join(api.serviceDir, 'destinations', 'source-1.duckdb'),
      relative(root, join(api.serviceDir, 'secret.key')),
      '/etc/passwd',
      '/etc/no-such-file-at-all',
      '../../../../etc/passwd',
      join(outside, 'secret.sqlite'),
      'escape/secret.sqlite',
      'link.sqlite',
    ];
  };

  it('refuses every path outside the roots as a source, a destination, in a test and in an update, alike whether it exists or not', async () => {
    const { body } = await as('POST', mms('/datasources'), { name: 'mine', type: 'SQLITE', config: { source: { path: 'mine.sqlite' } } });
    const mine = body.data.dataSourceId as number;
    for (const path of hostile()) {
      const attempts = [
        as('POST', mms('/datasources'), { name: 'x', type: 'SQLITE', config: { source: { path } } }),
        as('POST', mms('/datasources'), { name: 'x', type: 'DUCKDB', config: { source: { path } } }),
        as('POST', mms('/datasources/test'), { name: 'x', type: 'SQLITE', config: { source: { path } } }),
        as('POST', mms('/datasources'), { name: 'x', type: 'SQLITE', config: { source: { path: 'mine.sqlite' }, destination: { type: 'SQLITE', path } } }),
        as('POST', mms('/datasources'), { name: 'x', type: 'SQLITE', config: { source: { path: 'mine.sqlite' }, destination: { type: 'LAKE', path } } }),
        as('PUT', mms(`/datasources/${mine}`), { config: { source: { path } } }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect([path, res.status, res.body.code]).toEqual([path, 400, 'InvalidPath']);
        // The same sentence whatever the target: no existence oracle.
        expect(res.body.message.replace(path, 'P')).toBe(
          "path 'P' is not allowed: file connections must name a file or folder under the service's file roots (OPENMMS_FILE_ROOTS; relative paths start at the first root)",
        );
      }
    }
    expect((await as('GET', mms(`/datasources/${mine}?withConfig=true`))).body.data.connection.source.path).toBe('mine.sqlite');
  });

  it('refuses a stored path that no longer resolves inside the roots when a scan or task opens it', async () => {
    const { body } = await as('POST', mms('/datasources'), { name: 'moved', type: 'SQLITE', config: { source: { path: 'mine.sqlite' } } });
    const id = body.data.dataSourceId as number;
    // As if written by an older version, or the roots changed since.
    const row = await api.store.db.selectFrom('datasources').select('config').where('id', '=', id).executeTakeFirstOrThrow();
    await api.store.db.updateTable('datasources').set({ config: row.config.replace('mine.sqlite', join(outside, 'secret.sqlite')) }).where('id', '=', id).execute();
    const scan = await as('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    const done = await as('GET', mms(`/datasources/${id}/scans/${scan.body.data.scanId}`));
    expect(done.body.data.status).toBe('FAILED');
    expect(done.body.data.errMsg).toMatch(/is not allowed: file connections must name a file or folder under the service's file roots/);
  });
});

describe('a root that holds the service\'s own folder and store', () => {
  it('still refuses them, and any folder above them', async () => {
    // The root is the whole temporary folder: the store and the service's folder are inside it.
    const api = await TestApi.start('sqlite', tmpdir());
    try {
      const as = await api.tenant('tenant', TENANT);
      const store = api.testStore.url.slice('sqlite:'.length);
      const paths: [string, string][] = [
        ['SQLITE', relative(tmpdir(), store)],
        ['SQLITE', relative(tmpdir(), join(api.serviceDir, 'secret.key'))],
        ['DUCKDB', relative(tmpdir(), join(api.serviceDir, 'destinations', 'source-1.duckdb'))],
        ['LAKE', relative(tmpdir(), api.serviceDir)],
        ['LAKE', '.'],
        ['LAKE', relative(tmpdir(), join(store, '..'))],
      ];
      for (const [type, path] of paths) {
        for (const config of [{ source: { path } }, { source: { path: '.' }, destination: { type, path } }]) {
          const res = await as('POST', mms('/datasources'), { name: 'x', type, config });
          expect([type, path, res.status, res.body.code]).toEqual([type, path, 400, 'InvalidPath']);
        }
      }
    } finally {
      await api.close();
    }
  });
});

describe('destination names never leave the lake', () => {
  let api: TestApi;
  let as: Awaited<ReturnType<TestApi['tenant']>>;
  const root = mkdtempSync(join(tmpdir(), 'openmms-lake-names-'));
  let id: number;

  beforeAll(async () => {
    new SqliteDatabase(join(root, 'src.sqlite')).exec('CREATE TABLE t (id INTEGER); CREATE TABLE u (id INTEGER)');
    api = await TestApi.start('sqlite', root, { runJobs: true });
    as = await api.tenant('tenant', TENANT);
    id = (await as('POST', mms('/datasources'), { name: 'to-lake', type: 'SQLITE', config: { source: { path: 'src.sqlite' }, destination: { type: 'LAKE', path: 'lake' } } })).body.data.dataSourceId;
    await as('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
  });
  afterAll(() => api?.close());

  it('refuses table, database and column names that are not one plain folder name', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ tableMapping: { t: '..' } }, /tableMapping\['t'\]: '\.\.' cannot be written to the LAKE destination: a lake table name cannot start with '\.'/],
      [{ tableMapping: { t: '../../x' } }, /no '\/', '\\' or control characters/],
      [{ tableMapping: { t: 'a\\b' } }, /no '\/', '\\' or control characters/],
      [{ tableMapping: { t: '.hidden' } }, /cannot start with '\.' or '_'/],
      [{ tableMapping: { t: '_tmp' } }, /cannot start with '\.' or '_'/],
      [{ tableMapping: { t: 'x'.repeat(300) } }, /at most 250 bytes/],
      [{ dstDbName: '../../x' }, /dstDbName: '\.\.\/\.\.\/x' cannot be written/],
      [{ dstDbName: '..' }, /dstDbName/],
      [{ dstDbName: 'a/b' }, /dstDbName/],
    ];
    for (const [extra, message] of cases) {
      const res = await as('POST', mms(`/datasources/${id}/jobs`), { name: `bad-${Math.random()}`, srcDbName: 'main', tables: ['t'], ...extra });
      expect([JSON.stringify(extra), res.status]).toEqual([JSON.stringify(extra), 400]);
      expect(res.body.message).toMatch(message);
    }
    const ok = await as('POST', mms(`/datasources/${id}/jobs`), { name: 'fine', srcDbName: 'main', tables: ['t'], tableMapping: { t: "we'ird name; --" } });
    expect(ok.status, ok.text).toBe(200);
  });

  it('the lake writer itself refuses to create, rename or delete outside a table folder', async () => {
    const lake = join(root, 'guarded-lake');
    const sentinel = join(root, 'sentinel');
    mkdirSync(join(sentinel, 'inner'), { recursive: true });
    writeFileSync(join(sentinel, 'inner', 'keep.txt'), 'keep');
    mkdirSync(lake);
    symlinkSync(sentinel, join(lake, 'linked'));
    const writer = await LakeWriter.open({ path: lake });
    const rows = (async function* () {})();
    try {
      for (const [db, table, slice] of [['default', '..', null], ['..', 'sentinel', null], ['default', '../sentinel', null], ['default', 'linked', null], ['default', 't', '../../sentinel'], ['default', '.', null]] as const) {
        await expect(writer.replace(db, table, [], slice, rows)).rejects.toThrow(/cannot write/);
        if (slice === null) await expect(writer.ensureTable(db, table, [], false)).rejects.toThrow(/cannot write/);
      }
    } finally {
      await writer.close();
    }
    expect(readdirSync(join(sentinel, 'inner'))).toEqual(['keep.txt']);
    expect(existsSync(join(root, 'sentinel.db'))).toBe(false);
  });
});
