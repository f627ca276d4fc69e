import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY_FILE } from './keys.js';
import { queryOf, signV3 } from './signature.js';

/** What a client calls the API with: a bearer token, or an access key that signs each request. */
export type Credentials = { token: string } | { accessKeyId: string; accessKeySecret: string } | null;

/**
 * OPENMMS_TOKEN; else OPENMMS_ACCESS_KEY_ID + OPENMMS_ACCESS_KEY_SECRET; else the key file named by
 * OPENMMS_ACCESS_KEY_FILE, or the administrator's key file the server's first start wrote into
 * the data folder (`./data` unless OPENMMS_DATA_DIR says otherwise).
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): Credentials {
  if (env.OPENMMS_TOKEN) return { token: env.OPENMMS_TOKEN };
  if (env.OPENMMS_ACCESS_KEY_ID && env.OPENMMS_ACCESS_KEY_SECRET) return { accessKeyId: env.OPENMMS_ACCESS_KEY_ID, accessKeySecret: env.OPENMMS_ACCESS_KEY_SECRET };
  const file = env.OPENMMS_ACCESS_KEY_FILE ?? join(env.OPENMMS_DATA_DIR ?? 'data', ADMIN_KEY_FILE);
  if (!existsSync(file)) return null;
  const key = JSON.parse(readFileSync(file, 'utf8')) as { accessKeyId?: string; accessKeySecret?: string };
  if (!key.accessKeyId || !key.accessKeySecret) throw new Error(`${file} holds no accessKeyId and accessKeySecret`);
  return { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret };
}

/** Headers that authenticate one request (V3-signed with an access key, or the bearer token). */
export function authHeaders(creds: Credentials, method: string, url: URL, body: string, headers: Record<string, string>): Record<string, string> {
  if (!creds) return headers;
  if ('token' in creds) return { ...headers, authorization: `Bearer ${creds.token}` };
  return signV3({ method, path: url.pathname, query: queryOf(url), body, headers }, url.host, creds.accessKeyId, creds.accessKeySecret);
}

/** fetch with credentials: the one way the `mms` command and the tests call a server. */
export function authedFetch(creds: Credentials) {
  return (url: string, init: { method: string; headers?: Record<string, string>; body?: string } = { method: 'GET' }) =>
    fetch(url, { ...init, headers: authHeaders(creds, init.method, new URL(url), init.body ?? '', init.headers ?? {}) });
}
