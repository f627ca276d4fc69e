import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretBox } from '../security/secrets.js';
import type { Store } from '../store/store.js';
import { StoreCache, type CallVersion } from '../store/store-cache.js';
import { conflict, MmsError, notFound } from '../errors.js';
import { ADMINISTRATOR, decodePolicy, type Policy } from './policy.js';

/** The caller of a request, once authenticated. */
export interface Principal {
  accessKeyId: string;
  name: string;
  policy: Policy;
}

export interface AccessKeyOut {
  accessKeyId: string;
  name: string;
  policy: Policy;
  createTime: number;
}

/** Where the first start leaves the administrator's key (0600, beside the embedded store). */
export const ADMIN_KEY_FILE = 'admin-access-key.json';
export const DEFAULT_TOKEN_TTL_S = 12 * 3600;

const newId = () => `OMMS${randomBytes(15).toString('base64url').replace(/[-_]/g, 'x').slice(0, 20).toUpperCase()}`;
const newSecret = () => randomBytes(24).toString('base64url');
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export const unauthenticated = (code: string, message: string) => new MmsError(401, code, message);

/** Access keys (id + sealed secret + policy) and the bearer tokens issued for them. */
export class AccessKeyService {
  /** A token that never leaves this process: in-process callers (the demo) act as administrator with it. */
  readonly internalToken = `omms_internal_${randomBytes(32).toString('base64url')}`;
  /** Tokens' principals, by the token's hash. */
  private readonly tokens: StoreCache;

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
  ) {
    this.tokens = new StoreCache(store.version);
  }

  async create(name: string, policy: Policy, given?: { id: string; secret: string }, now = Date.now()): Promise<{ accessKeyId: string; accessKeySecret: string }> {
    const id = given?.id ?? newId();
    const secret = given?.secret ?? newSecret();
    if (await this.store.db.selectFrom('access_keys').select('id').where('id', '=', id).executeTakeFirst()) throw conflict(`access key ${id} already exists`);
    await this.store.db.insertInto('access_keys').values({ id, name, secret: this.secrets.seal(secret), policy: JSON.stringify(policy), create_time: now }).execute();
    return { accessKeyId: id, accessKeySecret: secret };
  }

  async list(): Promise<AccessKeyOut[]> {
    const rows = await this.store.db.selectFrom('access_keys').select(['id', 'name', 'policy', 'create_time']).orderBy('create_time').orderBy('id').execute();
    return rows.map((r) => ({ accessKeyId: r.id, name: r.name, policy: decodePolicy(r.policy), createTime: r.create_time }));
  }

  async delete(id: string): Promise<void> {
    const { numDeletedRows } = await this.store.db.deleteFrom('access_keys').where('id', '=', id).executeTakeFirst();
    if (numDeletedRows === 0n) throw notFound('AccessKey', id);
  }

  /** The key's principal and its secret in the clear (to check a signature), or null. */
  async lookup(id: string): Promise<{ principal: Principal; secret: string } | null> {
    const row = await this.store.db.selectFrom('access_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    return { principal: { accessKeyId: row.id, name: row.name, policy: decodePolicy(row.policy) }, secret: this.secrets.open(row.secret) };
  }

  /** Logs in with an access key id and secret: a bearer token that acts for the key until it expires. */
  async issueToken(accessKeyId: string, accessKeySecret: string, ttlSeconds = DEFAULT_TOKEN_TTL_S, now = Date.now()): Promise<{ token: string; expireTime: number }> {
    const key = await this.lookup(accessKeyId);
    // One answer for an unknown id and a wrong secret: the caller learns nothing about which ids exist.
    if (!key || !sameText(key.secret, accessKeySecret)) throw unauthenticated('InvalidAccessKey', 'the access key id or secret is wrong');
    const token = `omms_${randomBytes(32).toString('base64url')}`;
    const expireTime = now + ttlSeconds * 1000;
    await this.store.db.deleteFrom('api_tokens').where('expire_time', '<', now).execute();
    await this.store.db.insertInto('api_tokens').values({ hash: tokenHash(token), access_key_id: accessKeyId, expire_time: expireTime, create_time: now }).execute();
    return { token, expireTime };
  }

  async principalForToken(token: string, now = Date.now(), callVersion?: CallVersion): Promise<Principal | null> {
    if (token === this.internalToken) return { accessKeyId: 'internal', name: 'openmms (in-process)', policy: ADMINISTRATOR };
    const hash = tokenHash(token);
    // Kept while the store is unchanged: a revoked token or deleted key is a write, read at the next call.
    const found = await (await this.tokens.at(callVersion)).value(hash, async () => {
      const row = await this.store.db
        .selectFrom('api_tokens as t')
        .innerJoin('access_keys as k', 'k.id', 't.access_key_id')
        .select(['k.id', 'k.name', 'k.policy', 't.expire_time'])
        .where('t.hash', '=', hash)
        .executeTakeFirst();
      return row && { expireTime: row.expire_time, principal: Object.freeze({ accessKeyId: row.id, name: row.name, policy: decodePolicy(row.policy) }) };
    });
    return found && found.expireTime >= now ? found.principal : null;
  }

  /**
   * The first administrator: from OPENMMS_ADMIN_ACCESS_KEY_ID / _SECRET when given (automation);
   * otherwise, on a store with no key at all, a generated one written to `<dataDir>/admin-access-key.json`
   * (mode 0600). Returns that file's path when it wrote one. The secret itself is never logged.
   */
  async bootstrap(env: NodeJS.ProcessEnv, dataDir: string): Promise<string | null> {
    const id = env.OPENMMS_ADMIN_ACCESS_KEY_ID;
    const secret = env.OPENMMS_ADMIN_ACCESS_KEY_SECRET;
    if (id && secret) {
      if (!(await this.lookup(id))) await this.create('admin', ADMINISTRATOR, { id, secret });
      return null;
    }
    const any = await this.store.db.selectFrom('access_keys').select('id').limit(1).executeTakeFirst();
    if (any) return null;
    const file = join(dataDir, ADMIN_KEY_FILE);
    if (existsSync(file)) return null; // a key file from an earlier store: leave it, make no second admin
    const key = await this.create('admin', ADMINISTRATOR);
    writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return file;
  }
}

function sameText(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return x.equals(y);
}
