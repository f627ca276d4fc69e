import { mkdtempSync, symlinkSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { canonicalAddress } from '../../src/security/endpoint.js';
import { planQueuedJobs } from '../../src/jobs/plan.js';
import { claimTask } from '../../src/jobs/ledger/claim.js';
import { mms, TestApi, type ApiResponse } from '../support/api.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { createPgDatabase, pgConnection, STORE_KINDS } from '../support/stores.js';

type As = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => Promise<ApiResponse>;
const TENANT = { statements: [{ effect: 'Allow' as const, actions: ['odps:*'], resources: ['datasource/*'] }] };

/** This machine's own addresses, each with the interface's zone where it has one. */
const machine = Object.entries(networkInterfaces()).flatMap(([name, list]) => (list ?? []).map((i) => (i.family === 'IPv6' && i.address.startsWith('fe80') ? `${i.address}%${name}` : i.address)));

/**
 * Loopback (and this machine) in every spelling a tenant might try: IPv4-mapped, -translated and
 * -compatible IPv6 in hex and dotted tails, expanded and bracketed forms, zone ids, the numeric
 * forms the resolver takes (decimal, hex, octal, zero-padded, short), names.
 */
const LOOPBACKS = [
  '127.0.0.1', 'localhost', 'LocalHost', '127.0.0.2', '127.255.255.254', '0.0.0.0', '[::1]', '::1', '::', '0::1', '0000:0000:0000:0000:0000:0000:0000:0001',
  '::ffff:7f00:1', '::FFFF:7F00:0001', '0:0:0:0:0:ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1', '[::ffff:127.0.0.1]', '::ffff:127.0.0.2', '::ffff:0:7f00:1', '::ffff:0:127.0.0.1',
  '::127.0.0.1', '::7f00:1', '[::7f00:1]', '::1%lo',
  '2130706433', '0x7f000001', '0x7f.1', '0177.0.0.1', '0177.0.0.01', '127.000.000.001', '127.1', '127.0.1', '017700000001',
  ...machine, ...machine.filter((a) => !a.includes(':')).map((a) => `::ffff:${a}`),
];

describe('addresses in one spelling', () => {
  it('turns every IPv4 address carried in IPv6 into that IPv4 address, and compresses the rest', () => {
    const cases: [string, string][] = [
      ['::ffff:7f00:1', '127.0.0.1'], ['0:0:0:0:0:ffff:127.0.0.1', '127.0.0.1'], ['[::FFFF:7F00:1]', '127.0.0.1'], ['::ffff:0:a00:1', '10.0.0.1'],
      ['::a00:1', '10.0.0.1'], ['::10.0.0.1', '10.0.0.1'], ['::1', '::1'], ['::', '::'], ['0:0:0:0:0:0:0:1', '::1'], ['FE80::0001%eth0', 'fe80::1'],
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['192.0.2.7', '192.0.2.7'], ['DB.Example', 'db.example'],
    ];
    for (const [given, canonical] of cases) expect([given, canonicalAddress(given)]).toEqual([given, canonical]);
  });
});

describe('the PostgreSQL store is never a source or a destination, in any spelling of its host', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start('postgres', tmpdir());
  });
  afterAll(() => api?.close());

  it('refuses each loopback spelling and each address of this machine, as source and as destination, in creates, tests and updates', async () => {
    const as = await api.tenant('tenant', TENANT);
    const store = pgConnection(api.testStore.url);
    const other = await createPgDatabase('openmms_other');
    try {
      const { dataSourceId: id } = (await as('POST', mms('/datasources'), { name: 'fine', type: 'POSTGRESQL', config: { source: other.conn } })).body.data;
      for (const host of LOOPBACKS) {
        for (const port of [undefined, 5432]) {
          const conn = { ...store, host, ...(port === undefined ? { port: undefined } : { port }) };
          const attempts: [string, () => Promise<ApiResponse>][] = [
            ['source', () => as('POST', mms('/datasources'), { name: 'steal', type: 'POSTGRESQL', config: { source: conn } })],
            ['destination', () => as('POST', mms('/datasources'), { name: 'plant', type: 'POSTGRESQL', config: { source: other.conn, destination: { type: 'POSTGRESQL', ...conn } } })],
            ['test', () => as('POST', mms('/datasources/test'), { name: 'steal', type: 'POSTGRESQL', config: { source: conn } })],
            ['update', () => as('PUT', mms(`/datasources/${id}`), { config: { destination: { type: 'POSTGRESQL', ...conn } } })],
          ];
          for (const [what, attempt] of attempts) {
            const res = await attempt();
            expect([host, port, what, res.status, res.body.code]).toEqual([host, port, what, 400, 'HostNotAllowed']);
          }
        }
      }
    } finally {
      await other.drop();
    }
  });
});

describe.each(STORE_KINDS)('one endpoint, however it is spelled (%s store)', (kind) => {
  let api: TestApi;
  let alice: As;
  let bob: As;
  const root = mkdtempSync(join(tmpdir(), 'openmms-endpoints-'));
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;

  const source = async (as: As, name: string, destination: object) => {
    const res = await as('POST', mms('/datasources'), { name, type: 'SQLITE', config: { source: { path: 'src.sqlite' }, destination } });
    expect(res.status, res.text).toBe(200);
    const id = res.body.data.dataSourceId as number;
    await as('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    return id;
  };

  beforeAll(async () => {
    new SqliteDatabase(join(root, 'src.sqlite')).exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x')`);
    dst = await createPgDatabase('openmms_ep_dst');
    api = await TestApi.start(kind, root);
    alice = await api.tenant('alice', TENANT);
    bob = await api.tenant('bob', TENANT);
  });
  afterAll(async () => {
    await api?.close();
    await dst?.drop();
  });

  it('a table another data source owns stays its own whatever spelling of the server, port included, another one uses', async () => {
    const a = await source(alice, 'owner', { type: 'POSTGRESQL', ...dst.conn, host: '127.0.0.1', port: undefined });
    expect((await alice('POST', mms(`/datasources/${a}/jobs`), { name: 'first', srcDbName: 'main', tables: ['t'], dstDbName: 'public' })).status).toBe(200);
    for (const [host, port] of [['127.0.0.1', 5432], ['localhost', undefined], ['::ffff:127.0.0.1', 5432], ['::ffff:7f00:1', undefined], ['127.1', 5432], ['2130706433', undefined], ['0x7f.0.0.1', 5432]] as const) {
      const b = await source(bob, `bob-${host}-${port}`, { type: 'POSTGRESQL', ...dst.conn, host, port });
      const res = await bob('POST', mms(`/datasources/${b}/jobs`), { name: 'overwrite', srcDbName: 'main', tables: ['t'], dstDbName: 'public' });
      expect([host, port, res.status, res.body.code]).toEqual([host, port, 409, 'Conflict.DestinationOwned']);
    }
  });

  it('a MySQL destination\'s tables are the server\'s, whichever database its connection names', async () => {
    const maria = await createMariaDatabase('openmms_ep');
    const elsewhere = await createMariaDatabase('openmms_ep_other');
    try {
      const a = await source(alice, 'maria-owner', { type: 'MYSQL', ...MARIADB, database: maria.name });
      expect((await alice('POST', mms(`/datasources/${a}/jobs`), { name: 'first', srcDbName: 'main', tables: ['t'], dstDbName: maria.name })).status).toBe(200);
      const b = await source(bob, 'maria-bob', { type: 'MYSQL', ...MARIADB, host: 'localhost', port: 3306, database: elsewhere.name });
      const res = await bob('POST', mms(`/datasources/${b}/jobs`), { name: 'overwrite', srcDbName: 'main', tables: ['t'], dstDbName: maria.name });
      expect([res.status, res.body.code]).toEqual([409, 'Conflict.DestinationOwned']);
    } finally {
      await maria.drop();
      await elsewhere.drop();
    }
  });

  it('a file named two ways (relative, absolute, through a link) is one file: one owner per table, one writer at a time', async () => {
    symlinkSync(root, join(root, 'again'));
    const a = await source(alice, 'file-owner', { type: 'DUCKDB', path: 'one.duckdb' });
    const b = await source(bob, 'file-bob', { type: 'DUCKDB', path: join(root, 'again', 'one.duckdb') });
    expect((await alice('POST', mms(`/datasources/${a}/jobs`), { name: 'first', srcDbName: 'main', tables: ['t'], increment: false })).status).toBe(200);
    const refused = await bob('POST', mms(`/datasources/${b}/jobs`), { name: 'overwrite', srcDbName: 'main', tables: ['t'] });
    expect([refused.status, refused.body.code]).toEqual([409, 'Conflict.DestinationOwned']);
    // Another table of the same file: allowed, but never while the first data source writes it.
    expect((await bob('POST', mms(`/datasources/${b}/jobs`), { name: 'mine', srcDbName: 'main', tables: ['t'], tableMapping: { t: 'bobs' } })).status).toBe(200);
    await planQueuedJobs(api.store.db, kind, { info: () => {} });
    const first = (taskOf: number) => api.store.db.selectFrom('tasks').select('id').where('source_id', '=', taskOf).where('status', '=', 'INIT').executeTakeFirstOrThrow();
    const [ta, tb] = [(await first(a)).id, (await first(b)).id];
    expect(await claimTask(api.store.db, kind, ta)).not.toBeNull();
    expect(await claimTask(api.store.db, kind, tb)).toBeNull();
  });
});
