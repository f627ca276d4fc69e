import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { TEST_ADMIN } from '../support/auth.js';

/** A small seeded PRNG, so a failure replays. */
function prng(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
}

const WEIRD: unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 31, -(2 ** 53), 1e308, '', ' ', 'x'.repeat(5000), "'; DROP TABLE jobs; --", '北京', '\u0000', '{}', '[]',
  [], [null], [1, 'a'], {}, { a: 1 }, { __proto__: { polluted: true } }, { constructor: { prototype: { x: 1 } } }, 'NaN', '2025-13-45',
];

/** Random edits of a valid body: drop, retype or add fields, nest wrongly, or break the JSON itself. */
function mutate(body: Record<string, unknown>, rand: (n: number) => number): string {
  const copy: Record<string, unknown> = JSON.parse(JSON.stringify(body));
  const keys = Object.keys(copy);
  for (let i = 0, n = 1 + rand(3); i < n; i++) {
    const k = keys[rand(keys.length)]!;
    switch (rand(5)) {
      case 0: delete copy[k]; break;
      case 1: copy[k] = WEIRD[rand(WEIRD.length)]; break;
      case 2: copy[`extra${rand(3)}`] = WEIRD[rand(WEIRD.length)]; break;
      case 3: copy[k] = { nested: copy[k] }; break;
      default: copy[k] = [copy[k], WEIRD[rand(WEIRD.length)]];
    }
  }
  const text = JSON.stringify(copy);
  return rand(10) === 0 ? text.slice(0, rand(text.length + 1)) : text;
}

describe('every JSON body, fuzzed', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-fuzz-'));
  let api: TestApi;
  let sourceId: number;
  beforeAll(async () => {
    const db = new SqliteDatabase(join(dataDir, 'f.sqlite'));
    db.exec('CREATE TABLE t (id INTEGER)');
    db.close();
    api = await TestApi.start('sqlite', dataDir);
    sourceId = (await api.call('POST', mms('/datasources'), { name: 'fuzz', type: 'SQLITE', config: { source: { path: 'f.sqlite' } } })).body.data.dataSourceId;
    await api.call('POST', mms(`/datasources/${sourceId}/scans`));
    await api.app.scans.idle();
    await api.call('POST', mms(`/datasources/${sourceId}/timers`), { scheduleType: 'Daily', value: '01:00' });
    await api.call('POST', mms(`/datasources/${sourceId}/jobs`), { name: 'j', srcDbName: 'main' });
  });
  afterAll(async () => {
    await api?.close();
  });
  // Fuzz past authentication: the checks behind it are what is being tried.
  const admin = () => ({ authorization: `Bearer ${api.token}` });

  const calls: [string, 'POST' | 'PUT', () => string, Record<string, unknown>][] = [
    ['CreateMmsDataSource', 'POST', () => '/datasources', { name: 'n', type: 'SQLITE', config: { source: { path: 'f.sqlite' }, destination: { type: 'DUCKDB', path: 'd.duckdb' } } }],
    ['UpdateMmsDataSource', 'PUT', () => `/datasources/${sourceId}`, { name: 'fuzz', config: { source: { path: 'f.sqlite' } } }],
    ['CreateMmsJob', 'POST', () => `/datasources/${sourceId}/jobs`, {
      name: 'jj', srcDbName: 'main', type: 'Tables', tables: ['t'], tableMapping: { t: 'u' }, columnMapping: { id: 'key' },
      partitionFilters: {}, increment: true, enableVerification: true, schemaOnly: false, eta: '2025-01-01', others: { 'task.chunk.rows': 1000 }, timerId: 1,
    }],
    ['CreateMmsFetchMetadataJob', 'POST', () => `/datasources/${sourceId}/scans`, { dbName: 'main', tableNames: ['t'] }],
    ['CreateMmsTimer', 'POST', () => `/datasources/${sourceId}/timers`, { name: 'x', scheduleType: 'Cron', value: '0 * * * *', timezone: 'UTC', stopped: false }],
    ['UpdateMmsTimer', 'PUT', () => `/datasources/${sourceId}/timers/1`, { scheduleType: 'Hourly', value: '05', timezone: 'UTC' }],
    ['TestMmsDataSource', 'POST', () => '/datasources/test', { name: 'n', type: 'SQLITE', config: { source: { path: 'f.sqlite' } } }],
    ['PreviewMmsJob', 'POST', () => `/datasources/${sourceId}/jobs/preview`, { srcDbName: 'main', type: 'Tables', tables: ['t'], partitionFilters: {}, increment: false }],
    ['CreateToken', 'POST', () => '../auth/tokens', { accessKeyId: TEST_ADMIN.accessKeyId, accessKeySecret: 'wrong', ttlSeconds: 600 }],
    ['CreateAccessKey', 'POST', () => '../auth/accessKeys', { name: 'k', policy: { statements: [{ effect: 'Allow', actions: ['odps:*'], resources: ['datasource/1'] }] } }],
  ];

  it.each(calls)('%s answers random and malformed bodies with 2xx or a 4xx envelope, never a 500', async (_name, method, path, valid) => {
    const rand = prng(7);
    for (let i = 0; i < 300; i++) {
      const body = mutate(valid, rand);
      const res = await api.app.inject({ method, url: new URL(mms(path()), 'http://x/').pathname, headers: { 'content-type': 'application/json', ...admin() }, payload: body });
      expect(res.statusCode, body).toBeLessThan(500);
      if (res.statusCode >= 400) {
        expect(Object.keys(JSON.parse(res.body)).sort(), body).toEqual(['code', 'message', 'requestId']);
        expect(JSON.parse(res.body).code, body).not.toMatch(/^(MissingAuthorization|InvalidToken|Forbidden)/);
      }
    }
    await api.app.scans.idle();
  });

  it('query strings too', async () => {
    const rand = prng(11);
    const paths = ['/datasources', `/datasources/${sourceId}/jobs`, `/datasources/${sourceId}/tables`, `/datasources/${sourceId}/partitions`, `/datasources/${sourceId}/tasks`, `/datasources/${sourceId}/dbs`];
    const params = ['pageNum', 'pageSize', 'name', 'status', 'stopped', 'timerId', 'sorter.status', 'sorter.size', 'updated', 'dropped', 'dbId', 'lastDdlTimeStart', 'withConfig', 'x'];
    const values = ['1', '0', '-1', 'abc', '', '%00', '1e9', '99999999999999999999', 'DONE', 'true', '2025-01-01 00:00:00', '%27%3B', '[]'];
    for (let i = 0; i < 600; i++) {
      const q = Array.from({ length: 1 + rand(3) }, () => `${params[rand(params.length)]}=${values[rand(values.length)]}`).join('&');
      const url = mms(`${paths[rand(paths.length)]}?${q}`);
      const res = await api.app.inject({ method: 'GET', url, headers: admin() });
      expect(res.statusCode, url).toBeLessThan(500);
      if (res.statusCode >= 400) expect(JSON.parse(res.body).code, url).not.toMatch(/^(MissingAuthorization|InvalidToken|Forbidden)/);
    }
  });
});
