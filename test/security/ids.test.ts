import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { STORE_KINDS } from '../support/stores.js';

/** Every way to write 1 that is not `1`: each must be refused, never served for data source 1. */
const NON_CANONICAL = ['01', '001', '+1', '1.0', '1e0', '0x1', '0b1', '%201', '1%20', '%2B1', '1.', '１', '1%00'];

describe.each(STORE_KINDS)('ids are canonical, and the policy checks the id the handler serves (%s store)', (kind) => {
  let api: TestApi;
  let victim: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-ids-'));

  beforeAll(async () => {
    new SqliteDatabase(join(dataDir, 'v.sqlite')).exec('CREATE TABLE t (id INTEGER)');
    api = await TestApi.start(kind, dataDir);
    victim = (await api.call('POST', mms('/datasources'), { name: 'victim', type: 'SQLITE', config: { source: { path: 'v.sqlite' } } })).body.data.dataSourceId;
    expect(victim).toBe(1);
  });
  afterAll(() => api?.close());

  it('walks every route with every non-canonical id: 400, never the denied data source', async () => {
    const as = await api.tenant('tenant', {
      statements: [
        { effect: 'Allow', actions: ['*'], resources: ['*'] },
        { effect: 'Deny', actions: ['*'], resources: [`datasource/${victim}`] },
      ],
    });
    const doc = (await api.call('GET', '/api/v1/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema?: { type?: string } }[] }>> };
    let walked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const ids = (op.parameters ?? []).filter((p) => p.in === 'path' && p.schema?.type === 'integer').map((p) => p.name);
        if (!ids.length) continue;
        for (const form of NON_CANONICAL) {
          // One id at a time is written oddly; the others are the victim's canonical 1.
          for (const odd of ids) {
            const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === odd ? form : '1'));
            const res = await as(method.toUpperCase() as 'GET', url, method === 'get' || method === 'delete' ? undefined : {});
            expect([method, url, res.status]).toEqual([method, url, 400]);
            expect(res.body.code).toBe('InvalidParameter');
            walked++;
          }
        }
        // The canonical form reaches the policy, which denies it.
        const url = path.replace(/\{(\w+)\}/g, '1');
        const res = await as(method.toUpperCase() as 'GET', url, method === 'get' || method === 'delete' ? undefined : {});
        expect([method, url, res.status, res.body.code]).toEqual([method, url, 403, 'Forbidden.RAM']);
      }
    }
    expect(walked).toBeGreaterThan(200);
  });

  it('refuses non-canonical integers in query strings too', async () => {
    for (const q of ['pageNum=01', 'pageSize=1e1', 'pageNum=%2B1', 'pageSize=0x10']) {
      const res = await api.call('GET', mms(`/datasources/${victim}/jobs?${q}`));
      expect([q, res.status, res.body.code]).toEqual([q, 400, 'InvalidParameter']);
    }
    expect((await api.call('GET', mms(`/datasources/${victim}/jobs?pageNum=1&pageSize=10`))).status).toBe(200);
  });
});
