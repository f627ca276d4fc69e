import { networkInterfaces, tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllowedHosts } from '../../src/security/egress.js';
import { mms, TestApi } from '../support/api.js';
import { MARIADB } from '../support/mariadb.js';
import { PG_ADMIN_URL, pgConnection } from '../support/stores.js';

const TENANT = { statements: [{ effect: 'Allow' as const, actions: ['odps:*'], resources: ['*'] }] };
const otherDb = pgConnection(PG_ADMIN_URL); // the same server, another database

describe('the metadata store is never a source or a destination', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start('postgres', tmpdir());
  });
  afterAll(() => api?.close());

  it('refuses the store\'s own database under every name of this machine, as source and as destination', async () => {
    const as = await api.tenant('tenant', TENANT);
    const store = pgConnection(api.testStore.url);
    const local = Object.values(networkInterfaces()).flatMap((l) => l ?? []).map((i) => (i.family === 'IPv6' ? `[${i.address}]` : i.address));
    for (const host of ['127.0.0.1', 'localhost', '127.0.0.2', '[::1]', '0.0.0.0', ...local]) {
      const conn = { ...store, host };
      for (const config of [{ source: conn }, { source: otherDb, destination: { type: 'POSTGRESQL', ...conn } }]) {
        const res = await as('POST', mms('/datasources'), { name: 'steal', type: 'POSTGRESQL', config });
        expect([host, res.status, res.body.code]).toEqual([host, 400, 'HostNotAllowed']);
        expect(res.body.message).toMatch(/is this service's own metadata store: it can be neither a source nor a destination/);
      }
    }
    // A unix socket would slip past any host rule: it is no host this service resolves.
    const socket = await as('POST', mms('/datasources'), { name: 'socket', type: 'POSTGRESQL', config: { source: { ...store, host: '/var/run/postgresql' } } });
    expect([socket.status, socket.body.code]).toEqual([400, 'HostNotAllowed']);
    // Another database on the same server is fine.
    expect((await as('POST', mms('/datasources'), { name: 'fine', type: 'POSTGRESQL', config: { source: otherDb } })).status).toBe(200);
  });
});

describe('OPENMMS_ALLOWED_HOSTS', () => {
  it('parses names, wildcards, addresses and CIDR blocks, and refuses what is none of them', () => {
    const allowed = new AllowedHosts(['db.internal', '*.corp.example', '10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
    expect(allowed.allows('DB.internal', ['203.0.113.9'])).toBe(true);
    expect(allowed.allows('pg.eu.corp.example', ['203.0.113.9'])).toBe(true);
    expect(allowed.allows('corp.example', ['203.0.113.9'])).toBe(false);
    expect(allowed.allows('x', ['10.1.2.3'])).toBe(true);
    expect(allowed.allows('x', ['10.1.2.3', '127.0.0.1'])).toBe(false); // every address must be allowed
    expect(allowed.allows('x', ['192.168.1.8'])).toBe(false);
    expect(allowed.allows('x', ['fd12::1'])).toBe(true);
    expect(new AllowedHosts([]).allows('anything', ['127.0.0.1'])).toBe(true);
    for (const bad of ['10.0.0.0/33', 'http://x', 'a b', '1.2.3.4/x']) expect(() => new AllowedHosts([bad])).toThrow(/OPENMMS_ALLOWED_HOSTS/);
  });

  it('keeps server connections to the listed hosts', async () => {
    const closed = await TestApi.start('sqlite', tmpdir(), { sandbox: { allowedHosts: ['10.0.0.0/8', 'db.internal'] } });
    const open = await TestApi.start('sqlite', tmpdir(), { sandbox: { allowedHosts: ['127.0.0.0/8'] } });
    try {
      for (const [type, source] of [['POSTGRESQL', otherDb], ['POSTGRESQL', { ...otherDb, host: 'localhost' }], ['MYSQL', MARIADB]] as const) {
        const refused = await closed.call('POST', mms('/datasources'), { name: 'out', type, config: { source } });
        expect([type, source.host, refused.status, refused.body.code]).toEqual([type, source.host, 400, 'HostNotAllowed']);
        expect(refused.body.message).toBe(`host '${source.host}' is not one this service may connect to (OPENMMS_ALLOWED_HOSTS)`);
        expect((await open.call('POST', mms('/datasources'), { name: `in-${type}-${source.host}`, type, config: { source } })).status).toBe(200);
      }
    } finally {
      await closed.close();
      await open.close();
    }
  });
});
