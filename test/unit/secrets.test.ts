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
