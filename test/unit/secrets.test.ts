import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadSecretKey, parseKey, SecretBox } from '../../src/security/secrets.js';

describe('SecretBox', () => {
  it('round-trips and never stores the plain text', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('p@ss wörd');
    expect(sealed).not.toContain('p@ss');
    expect(box.open(sealed)).toBe('p@ss wörd');
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses a value sealed with another key, naming both keys', () => {
    const a = new SecretBox(randomBytes(32));
    const b = new SecretBox(randomBytes(32));
    expect(() => b.open(a.seal('x'))).toThrow(`secret was sealed with key ${a.keyId}, but the service runs with key ${b.keyId}`);
  });

  it('detects tampering', () => {
    const box = new SecretBox(randomBytes(32));
    const parts = box.seal('secret').split(':');
    parts[4] = Buffer.from('other!').toString('base64url');
    expect(() => box.open(parts.join(':'))).toThrow();
  });
});

describe('secret key loading', () => {
  it('reads OPENMMS_SECRET_KEY as hex or base64', () => {
    const key = randomBytes(32);
    expect(parseKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseKey('short')).toThrow(/must be 32 bytes/);
  });

  it('generates a 0600 key file once for the embedded mode and reuses it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'openmms-key-')), 'secret.key');
    const first = loadSecretKey({}, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSecretKey({}, file).equals(first)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('hex'));
  });

  it('requires the environment key when there is no key file (PostgreSQL store)', () => {
    expect(() => loadSecretKey({}, null)).toThrow('OPENMMS_SECRET_KEY is required when the metadata store is PostgreSQL');
  });
});

describe('key rotation', () => {
  it('opens values of a retired key given as previous, and re-seals every stored secret with the new key', async () => {
    const { createTestStore } = await import('../support/stores.js');
    const { resealSecrets } = await import('../../src/security/reseal.js');
    const { secretBoxFromEnv } = await import('../../src/security/secrets.js');
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('hex');
    const store = await createTestStore('sqlite');
    try {
      const old = secretBoxFromEnv({ OPENMMS_SECRET_KEY: oldKey }, null);
      const now = Date.now();
      await store.store.db.insertInto('datasources').values({
        name: 'ds', type: 'POSTGRESQL', config: '{}', secrets: old.seal('{"source":"pg-pass"}'), status: 'OK', err_msg: null, last_update_time: null,
        db_num: 0, table_num: 0, partition_num: 0, create_time: now, update_time: now,
      }).execute();
      await store.store.db.insertInto('access_keys').values({ id: 'OMMSK', name: 'k', secret: old.seal('key-secret'), policy: '{"statements":[]}', create_time: now }).execute();

      // The new key alone cannot open them, and says how to go on.
      const alone = secretBoxFromEnv({ OPENMMS_SECRET_KEY: newKey }, null);
      await expect(resealSecrets(store.store, alone)).rejects.toThrow(/OPENMMS_SECRET_KEY_PREVIOUS/);

      const rotated = secretBoxFromEnv({ OPENMMS_SECRET_KEY: newKey, OPENMMS_SECRET_KEY_PREVIOUS: oldKey }, null);
      expect(await resealSecrets(store.store, rotated)).toBe(2);
      expect(await resealSecrets(store.store, rotated)).toBe(0);
      const ds = await store.store.db.selectFrom('datasources').select('secrets').executeTakeFirstOrThrow();
      const key = await store.store.db.selectFrom('access_keys').select('secret').executeTakeFirstOrThrow();
      // Afterwards the new key alone opens everything: the old one can be thrown away.
      expect([alone.open(ds.secrets), alone.open(key.secret)]).toEqual(['{"source":"pg-pass"}', 'key-secret']);
      expect([ds.secrets.split(':')[1], key.secret.split(':')[1]]).toEqual([alone.keyId, alone.keyId]);
    } finally {
      await store.drop();
    }
  });
});
