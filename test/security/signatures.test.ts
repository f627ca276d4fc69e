import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5Base64, roaSignature, roaStringToSign, signV3 } from '../../src/auth/signature.js';
import { mms, TestApi } from '../support/api.js';
import { TEST_ADMIN } from '../support/auth.js';
import { ADMINISTRATOR } from '../../src/auth/policy.js';
import { loadConfig } from '../../src/config.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

/** Headers of an ROA-signed request, as the MMS SDKs send them; `omit` leaves headers out before signing. */
function roa(method: string, path: string, body: string, omit: string[] = [], key = TEST_ADMIN) {
  const headers: Record<string, string> = {
    accept: 'application/json',
    date: new Date().toUTCString(),
    'x-acs-signature-method': 'HMAC-SHA1',
    'x-acs-signature-nonce': `nonce-${Math.random()}`,
    'x-acs-signature-version': '1.0',
    ...(body && { 'content-type': 'application/json', 'content-md5': md5Base64(body) }),
  };
  for (const o of omit) delete headers[o];
  const signature = roaSignature(key.accessKeySecret, roaStringToSign({ method, path, query: {}, headers, body }));
  return { ...headers, authorization: `acs ${key.accessKeyId}:${signature}` };
}

describe.each(STORE_KINDS)('signed requests cannot be replayed or altered (%s store)', (kind) => {
  let store: TestStore;
  let one: TestApi;
  let two: TestApi;
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-sig-'));

  beforeAll(async () => {
    store = await createTestStore(kind);
    // Two API processes on one store, as behind a balancer.
    one = await TestApi.start(kind, dataDir, { store });
    two = await TestApi.start(kind, dataDir, { store, secrets: one.secrets });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await store?.drop();
  });

  it('refuses a replay sent to another API process', async () => {
    for (const headers of [signV3({ method: 'GET', path: mms('/datasources'), query: {}, body: '' }, 'localhost:80', TEST_ADMIN.accessKeyId, TEST_ADMIN.accessKeySecret), roa('GET', mms('/datasources'), '')]) {
      expect((await one.call('GET', mms('/datasources'), undefined, headers)).status).toBe(200);
      const replay = await two.call('GET', mms('/datasources'), undefined, headers);
      expect([replay.status, replay.body.code]).toEqual([401, 'SignatureNonceUsed']);
    }
  });

  it('revokes everywhere at once: a key deleted through one process no longer works on the other', async () => {
    const key = await one.app.accessKeys.create('short-lived', ADMINISTRATOR);
    const bearer = { authorization: `Bearer ${(await one.app.accessKeys.issueToken(key.accessKeyId, key.accessKeySecret)).token}` };
    expect((await two.call('GET', mms('/datasources'), undefined, bearer)).status).toBe(200);
    expect((await one.call('DELETE', `/api/v1/auth/accessKeys/${key.accessKeyId}`)).status).toBe(200);
    expect((await two.call('GET', mms('/datasources'), undefined, bearer)).body.code).toBe('InvalidToken');
    const signed = roa('GET', mms('/datasources'), '', [], key);
    expect((await two.call('GET', mms('/datasources'), undefined, signed)).body.code).toBe('SignatureDoesNotMatch');
  });

  it('requires the nonce, signed, in both schemes', async () => {
    const noNonce = await one.call('GET', mms('/datasources'), undefined, roa('GET', mms('/datasources'), '', ['x-acs-signature-nonce']));
    expect([noNonce.status, noNonce.body.code]).toEqual([401, 'MissingSignatureNonce']);
    // V3 with the nonce sent but left out of SignedHeaders: it could be changed at will, so it is refused.
    const v3 = signV3({ method: 'GET', path: mms('/datasources'), query: {}, body: '' }, 'localhost:80', TEST_ADMIN.accessKeyId, TEST_ADMIN.accessKeySecret);
    const { 'x-acs-signature-nonce': nonce, ...rest } = v3;
    const unsigned = signV3({ method: 'GET', path: mms('/datasources'), query: {}, body: '' }, 'localhost:80', TEST_ADMIN.accessKeyId, TEST_ADMIN.accessKeySecret);
    const withoutNonce = { ...rest, authorization: v3.authorization!.replace(/;?x-acs-signature-nonce/, '') };
    const res = await one.call('GET', mms('/datasources'), undefined, { ...withoutNonce, 'x-acs-signature-nonce': nonce! });
    expect([res.status, res.body.code]).toEqual([401, 'IncompleteSignature']);
    expect((await one.call('GET', mms('/datasources'), undefined, unsigned)).status).toBe(200);
  });

  it('binds an ROA body to its signature through Content-MD5 when the client sends one (the official SDK does not)', async () => {
    const path = mms('/datasources/test');
    const body = JSON.stringify({ name: 'n', type: 'SQLITE', config: { source: { path: 'none.sqlite' } } });
    const without = await one.call('POST', path, body, roa('POST', path, body, ['content-md5']));
    expect(without.body.code).toBe('ConnectionFailed'); // authenticated, as the SDK's ROA requests are
    const other = body.replace('none.sqlite', '../../etc/passwd');
    const swapped = await one.call('POST', path, other, roa('POST', path, body));
    expect([swapped.status, swapped.body.code]).toEqual([401, 'InvalidContentMD5']);
    // Body and MD5 both swapped: the MD5 is signed, so the signature no longer matches.
    const both = { ...roa('POST', path, body), 'content-md5': md5Base64(other) };
    expect((await one.call('POST', path, other, both)).body.code).toBe('SignatureDoesNotMatch');
    const fine = await one.call('POST', path, body, roa('POST', path, body));
    expect(fine.body.code).toBe('ConnectionFailed'); // authenticated; the file is simply not there
  });
});

describe('failed authentications and logins are rate-limited per address', () => {
  it('answers 429 after too many failures, even to a right signature, and after too many logins', async () => {
    const api = await TestApi.start('sqlite', tmpdir(), { authLimits: { failures: 3, logins: 5, windowMs: 60_000 } });
    try {
      const wrong = { ...TEST_ADMIN, accessKeySecret: 'guess' };
      for (let i = 0; i < 3; i++) {
        expect((await api.call('GET', mms('/datasources'), undefined, roa('GET', mms('/datasources'), '', [], wrong))).status).toBe(401);
      }
      const blocked = await api.call('GET', mms('/datasources'), undefined, roa('GET', mms('/datasources'), ''));
      expect([blocked.status, blocked.body.code]).toEqual([429, 'Throttling.User']);
      expect(blocked.body.message).toMatch(/too many attempts from this address; try again in \d+ s/);
      // Logins from that address wait too; the limit on logins holds on its own as well.
      expect((await api.call('POST', '/api/v1/auth/tokens', TEST_ADMIN, { authorization: '' })).status).toBe(429);
    } finally {
      await api.close();
    }
    const fresh = await TestApi.start('sqlite', tmpdir(), { authLimits: { failures: 100, logins: 2, windowMs: 60_000 } });
    try {
      const login = () => fresh.call('POST', '/api/v1/auth/tokens', TEST_ADMIN, { authorization: '' });
      expect([(await login()).status, (await login()).status, (await login()).status]).toEqual([200, 200, 429]);
    } finally {
      await fresh.close();
    }
  });

  it('counts the client a trusted reverse proxy names (OPENMMS_TRUST_PROXY), and ignores the header from anyone else', async () => {
    const wrong = { ...TEST_ADMIN, accessKeySecret: 'guess' };
    const from = (api: TestApi, client: string, key = TEST_ADMIN) => api.call('GET', mms('/datasources'), undefined, { ...roa('GET', mms('/datasources'), '', [], key), 'x-forwarded-for': client });
    // The test's requests come from 127.0.0.1: behind a trusted proxy there, each forwarded client counts on its own.
    const behind = await TestApi.start('sqlite', tmpdir(), { authLimits: { failures: 2, logins: 100, windowMs: 60_000 }, trustProxy: ['127.0.0.0/8'] });
    try {
      for (let i = 0; i < 2; i++) expect((await from(behind, '203.0.113.5', wrong)).status).toBe(401);
      expect((await from(behind, '203.0.113.5')).status).toBe(429);
      expect((await from(behind, '203.0.113.6')).status).toBe(200);
    } finally {
      await behind.close();
    }
    // No proxy trusted: a forged header neither spreads one client's failures nor escapes them.
    const direct = await TestApi.start('sqlite', tmpdir(), { authLimits: { failures: 2, logins: 100, windowMs: 60_000 } });
    try {
      for (let i = 0; i < 2; i++) expect((await from(direct, `203.0.113.${i}`, wrong)).status).toBe(401);
      expect((await from(direct, '198.51.100.1')).status).toBe(429);
    } finally {
      await direct.close();
    }
    expect(() => loadConfig({ OPENMMS_TRUST_PROXY: '10.0.0.0/8, ::1, 192.168.1.1/33' })).toThrow("OPENMMS_TRUST_PROXY: '192.168.1.1/33' is not an IP address or CIDR block");
    expect(loadConfig({ OPENMMS_TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy).toEqual(['10.0.0.0/8', '::1']);
  });
});
