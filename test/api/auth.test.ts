import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roaSignature, roaStringToSign, signV3 } from '../../src/auth/signature.js';
import { ADMIN_KEY_FILE } from '../../src/auth/keys.js';
import { mms, TestApi } from '../support/api.js';
import { TEST_ADMIN } from '../support/auth.js';

describe('authentication and authorisation', () => {
  let api: TestApi;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-auth-'));
  let ds1: number;
  let ds2: number;

  /** A call signed the V3 way by an access key; `tamper` changes the request after signing. */
  const signed = async (method: 'GET' | 'POST' | 'DELETE', url: string, body: unknown, key: { accessKeyId: string; accessKeySecret: string }, tamper: (r: { url: string; body: string; headers: Record<string, string> }) => void = () => {}, now = new Date()) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const u = new URL(url, 'http://localhost:80');
    const query = Object.fromEntries(u.searchParams);
    const headers = signV3({ method, path: u.pathname, query, body: text, headers: text ? { 'content-type': 'application/json' } : {} }, 'localhost:80', key.accessKeyId, key.accessKeySecret, now);
    const req = { url, body: text, headers };
    tamper(req);
    return api.call(method, req.url, req.body === '' ? undefined : req.body, req.headers);
  };

  beforeAll(async () => {
    api = await TestApi.start('sqlite', dataDir);
    const sqlite = (name: string) => ({ name, type: 'DUCKDB', config: { source: { path: `${name}.duckdb` } } });
    // Empty DuckDB files are sources enough for these calls.
    const { openDuck } = await import('../../src/connectors/duckdb/connect.js');
    for (const n of ['one', 'two']) (await openDuck(join(dataDir, `${n}.duckdb`), { readOnly: false })).close();
    ds1 = (await api.call('POST', mms('/datasources'), sqlite('one'))).body.data.dataSourceId;
    ds2 = (await api.call('POST', mms('/datasources'), sqlite('two'))).body.data.dataSourceId;
  });
  afterAll(() => api?.close());

  it('refuses calls without credentials (401), and leaves the console, docs, health and metrics open', async () => {
    const none = await api.call('GET', mms(`/datasources/${ds1}/jobs`), undefined, { authorization: '' });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'MissingAuthorization', message: expect.stringContaining('needs credentials') });
    const odd = await api.call('GET', mms('/datasources'), undefined, { authorization: 'Basic YWRtaW46YWRtaW4=' });
    expect(odd.body.code).toBe('InvalidAuthorization');
    for (const open of ['/healthz', '/metrics', '/api/v1/openapi.json', '/console/', '/docs/']) {
      expect((await api.app.inject({ method: 'GET', url: open })).statusCode, open).toBe(200);
    }
  });

  it('logs in with an access key for a bearer token; a wrong secret, an unknown key and an expired token are 401', async () => {
    const wrong = await api.call('POST', '/api/v1/auth/tokens', { accessKeyId: TEST_ADMIN.accessKeyId, accessKeySecret: 'nope' }, { authorization: '' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'InvalidAccessKey', message: 'the access key id or secret is wrong' });
    const unknown = await api.call('POST', '/api/v1/auth/tokens', { accessKeyId: 'OMMSNOSUCHKEY', accessKeySecret: 'nope' }, { authorization: '' });
    expect(unknown.body).toMatchObject({ code: 'InvalidAccessKey', message: 'the access key id or secret is wrong' });

    const login = await api.call('POST', '/api/v1/auth/tokens', { ...TEST_ADMIN, ttlSeconds: 60 }, { authorization: '' });
    expect(login.status).toBe(200);
    expect(login.body.data.token).toMatch(/^omms_/);
    const bearer = { authorization: `Bearer ${login.body.data.token}` };
    expect((await api.call('GET', mms('/datasources'), undefined, bearer)).status).toBe(200);
    await api.store.db.updateTable('api_tokens').set({ expire_time: Date.now() - 1 }).execute();
    const expired = await api.call('GET', mms('/datasources'), undefined, bearer);
    expect(expired.body).toMatchObject({ code: 'InvalidToken' });
    // The tokens table keeps only a hash.
    const stored = await api.store.db.selectFrom('api_tokens').select('hash').execute();
    expect(stored.every((r) => r.hash !== login.body.data.token && /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
    api.token = (await api.app.accessKeys.issueToken(TEST_ADMIN.accessKeyId, TEST_ADMIN.accessKeySecret)).token;
  });

  it('accepts Alibaba Cloud V3 (ACS3-HMAC-SHA256) signatures and refuses altered, stale, replayed or foreign ones', async () => {
    const body = { name: 'signed', type: 'DUCKDB', config: { source: { path: 'one.duckdb' } } };
    expect((await signed('GET', mms('/datasources?pageSize=5&name=one'), undefined, TEST_ADMIN)).body.data.total).toBe(1);
    expect((await signed('POST', mms('/datasources'), body, TEST_ADMIN)).status).toBe(200);

    const cases: [string, Parameters<typeof signed>[4], string][] = [
      ['body', (r) => void (r.body = r.body.replace('"name":"', '"name":"x')), 'ContentSHA256NotMatched'],
      ['body and its hash', (r) => {
        r.body = r.body.replace('"name":"', '"name":"x');
        r.headers['x-acs-content-sha256'] = createHash('sha256').update(r.body).digest('hex');
      }, 'SignatureDoesNotMatch'],
      ['query', (r) => void (r.url += '?pageSize=2'), 'SignatureDoesNotMatch'],
      ['signed header', (r) => void (r.headers['content-type'] = 'application/json; charset=utf-8'), 'SignatureDoesNotMatch'],
    ];
    for (const [what, tamper, code] of cases) {
      const res = await signed('POST', mms('/datasources'), { ...body, name: `s-${what}` }, TEST_ADMIN, tamper);
      expect([what, res.status, res.body.code]).toEqual([what, 401, code]);
    }
    // A wrong secret and an unknown key id answer alike: nothing tells which key ids exist.
    const wrongSecret = await signed('GET', mms('/datasources'), undefined, { ...TEST_ADMIN, accessKeySecret: 'guess' });
    const unknownKey = await signed('GET', mms('/datasources'), undefined, { accessKeyId: 'OMMSUNKNOWN', accessKeySecret: 'x' });
    expect(wrongSecret.body).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(unknownKey.body).toEqual({ ...wrongSecret.body, requestId: unknownKey.body.requestId });
    const stale = await signed('GET', mms('/datasources'), undefined, TEST_ADMIN, undefined, new Date(Date.now() - 20 * 60_000));
    expect(stale.body.code).toBe('RequestExpired');
    let captured: Record<string, string> = {};
    await signed('GET', mms('/datasources'), undefined, TEST_ADMIN, (r) => void (captured = { ...r.headers }));
    const replay = await api.call('GET', mms('/datasources'), undefined, captured);
    expect(replay.body.code).toBe('SignatureNonceUsed');
  });

  it('accepts the older ROA signature (acs <id>:<HMAC-SHA1>) over the documented string to sign', async () => {
    const headers: Record<string, string> = {
      accept: 'application/json',
      date: new Date().toUTCString(),
      'x-acs-signature-method': 'HMAC-SHA1',
      'x-acs-signature-nonce': `n-${Date.now()}`,
      'x-acs-signature-version': '1.0',
    };
    const path = mms('/datasources');
    const toSign = roaStringToSign({ method: 'GET', path, query: { pageSize: '5', name: 'one' }, headers, body: '' });
    expect(toSign).toBe(
      `GET\napplication/json\n\n\n${headers.date}\nx-acs-signature-method:HMAC-SHA1\nx-acs-signature-nonce:${headers['x-acs-signature-nonce']}\nx-acs-signature-version:1.0\n${path}?name=one&pageSize=5`,
    );
    const res = await api.call('GET', `${path}?pageSize=5&name=one`, undefined, { ...headers, authorization: `acs ${TEST_ADMIN.accessKeyId}:${roaSignature(TEST_ADMIN.accessKeySecret, toSign)}` });
    expect([res.status, res.body.data?.total]).toEqual([200, 1]);
    const forged = await api.call('GET', `${path}?pageSize=5&name=two`, undefined, { ...headers, 'x-acs-signature-nonce': 'other', authorization: `acs ${TEST_ADMIN.accessKeyId}:${roaSignature(TEST_ADMIN.accessKeySecret, toSign)}` });
    expect(forged.body.code).toBe('SignatureDoesNotMatch');
  });

  it('authorises by action and data source, as RAM policies do; denies win; secrets are shown once', async () => {
    const created = await api.call('POST', '/api/v1/auth/accessKeys', {
      name: 'analyst',
      policy: {
        statements: [
          { effect: 'Allow', actions: ['odps:List*', 'odps:Get*'], resources: [`datasource/${ds1}`] },
          { effect: 'Allow', actions: ['odps:CreateMmsJob'], resources: ['datasource/*'] },
          { effect: 'Deny', actions: ['odps:CreateMmsJob'], resources: [`datasource/${ds2}`] },
        ],
      },
    });
    expect(created.status, created.text).toBe(200);
    const analyst = created.body.data as { accessKeyId: string; accessKeySecret: string };
    const as = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) => signed(method, url, body, analyst);

    expect((await as('GET', mms(`/datasources/${ds1}/jobs`))).status).toBe(200);
    const other = await as('GET', mms(`/datasources/${ds2}/jobs`));
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ code: 'Forbidden.RAM', message: `access key ${analyst.accessKeyId} (analyst) is not allowed to odps:ListMmsJobs on datasource/${ds2}` });
    expect((await as('POST', mms(`/datasources/${ds2}/jobs`), { name: 'x', srcDbName: 'main' })).body.code).toBe('Forbidden.RAM');
    // Allowed to create on ds1: the call gets through to validation (no such database in the catalog).
    expect((await as('POST', mms(`/datasources/${ds1}/jobs`), { name: 'x', srcDbName: 'main' })).body.code).toBe('InvalidParameter');
    expect((await as('DELETE', mms(`/datasources/${ds1}`))).body.code).toBe('Forbidden.RAM');
    // Lists show only what the policy covers.
    const listed = await as('GET', mms('/datasources'));
    expect(listed.body.data.objectList.map((d: any) => d.id)).toEqual([ds1]);
    expect((await as('POST', '/api/v1/auth/accessKeys', { name: 'escalate', policy: { statements: [] } })).body).toMatchObject({ code: 'Forbidden.RAM', message: expect.stringContaining('openmms:CreateAccessKey') });

    const keys = await api.call('GET', '/api/v1/auth/accessKeys');
    expect(keys.body.data.map((k: any) => k.name)).toEqual(['admin', 'analyst']);
    expect(keys.text).not.toContain(analyst.accessKeySecret);
    expect(keys.text).not.toContain(TEST_ADMIN.accessKeySecret);
    const sealed = await api.store.db.selectFrom('access_keys').select('secret').execute();
    expect(sealed.every((r) => r.secret.startsWith('v1:') && !r.secret.includes(analyst.accessKeySecret))).toBe(true);

    const bad = await api.call('POST', '/api/v1/auth/accessKeys', { name: 'bad', policy: { statements: [{ effect: 'Allow', actions: ['*'], resources: ['datasource/1; DROP'] }] } });
    expect(bad.status).toBe(400);
    // A deleted key stops working at once, with its tokens.
    const token = (await api.call('POST', '/api/v1/auth/tokens', analyst, { authorization: '' })).body.data.token;
    expect((await api.call('DELETE', `/api/v1/auth/accessKeys/${analyst.accessKeyId}`)).status).toBe(200);
    expect((await as('GET', mms(`/datasources/${ds1}/jobs`))).body.code).toBe('SignatureDoesNotMatch');
    expect((await api.call('GET', mms(`/datasources/${ds1}/jobs`), undefined, { authorization: `Bearer ${token}` })).body.code).toBe('InvalidToken');
    expect(api.logs.join('\n')).not.toContain(analyst.accessKeySecret);
  });

  it('bootstraps the first administrator once, into a file only its owner can read', async () => {
    const fresh = await TestApi.start('sqlite', mkdtempSync(join(tmpdir(), 'openmms-boot-')), { auth: true });
    try {
      await fresh.store.db.deleteFrom('access_keys').execute();
      const dir = mkdtempSync(join(tmpdir(), 'openmms-boot-dir-'));
      const file = await fresh.app.accessKeys.bootstrap({}, dir);
      expect(file).toBe(join(dir, ADMIN_KEY_FILE));
      expect(statSync(file!).mode & 0o777).toBe(0o600);
      const key = JSON.parse(readFileSync(file!, 'utf8'));
      expect((await fresh.app.accessKeys.issueToken(key.accessKeyId, key.accessKeySecret)).token).toMatch(/^omms_/);
      expect(await fresh.app.accessKeys.bootstrap({}, dir)).toBeNull();
      expect((await fresh.app.accessKeys.list()).map((k) => k.name)).toEqual(['admin']);
      await fresh.app.accessKeys.bootstrap({ OPENMMS_ADMIN_ACCESS_KEY_ID: 'OMMSFROMENV', OPENMMS_ADMIN_ACCESS_KEY_SECRET: 's3cret-from-env' }, dir);
      expect((await fresh.app.accessKeys.lookup('OMMSFROMENV'))?.principal.policy).toEqual({ statements: [{ effect: 'Allow', actions: ['*'], resources: ['*'] }] });
    } finally {
      await fresh.close();
    }
  });
});
