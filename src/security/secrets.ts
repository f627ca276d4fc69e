import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Encrypts connection secrets at rest with AES-256-GCM.
 * Stored form: `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts). The key id lets a
 * rotation tell which key sealed a value; a value sealed with another key is refused, not mangled.
 */
export class SecretBox {
  readonly keyId: string;
  /** Keys a rotation retired: values they sealed still open (and get sealed again with the current key). */
  private readonly previous: Map<string, Buffer>;

  constructor(
    private readonly key: Buffer,
    previous: Buffer[] = [],
  ) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes (64 hex or 44 base64 characters)');
    this.keyId = keyIdOf(key);
    this.previous = new Map(previous.map((k) => [keyIdOf(k), k]));
  }

  /** Whether a sealed value was sealed with a key other than the current one. */
  isStale(sealed: string): boolean {
    return sealed.split(':')[1] !== this.keyId;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, data] = sealed.split(':');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unrecognised sealed secret');
    const key = keyId === this.keyId ? this.key : this.previous.get(keyId!);
    if (!key) throw new Error(`secret was sealed with key ${keyId}, but the service runs with key ${this.keyId} (after a rotation, give the old key in OPENMMS_SECRET_KEY_PREVIOUS)`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/** The key, and any retired keys (OPENMMS_SECRET_KEY_PREVIOUS, comma-separated) still needed to open old values. */
export function secretBoxFromEnv(env: NodeJS.ProcessEnv, keyFile: string | null): SecretBox {
  const previous = (env.OPENMMS_SECRET_KEY_PREVIOUS ?? '').split(',').filter((k) => k.trim()).map(parseKey);
  return new SecretBox(loadSecretKey(env, keyFile), previous);
}

export function parseKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error('OPENMMS_SECRET_KEY must be 32 bytes, as 64 hex or 44 base64 characters');
  return key;
}

/**
 * The key comes from OPENMMS_SECRET_KEY. The embedded mode may instead keep a generated key
 * in a 0600 file beside its SQLite store, so the one-command start needs no setup.
 */
export function loadSecretKey(env: NodeJS.ProcessEnv, keyFile: string | null): Buffer {
  const fromEnv = env.OPENMMS_SECRET_KEY;
  if (fromEnv) return parseKey(fromEnv);
  if (!keyFile) throw new Error('OPENMMS_SECRET_KEY is required when the metadata store is PostgreSQL');
  if (existsSync(keyFile)) return parseKey(readFileSync(keyFile, 'utf8'));
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(keyFile, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(keyFile, 0o600);
  return key;
}
