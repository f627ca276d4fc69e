import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
  const file = keyFileOf(env);
  if (!existsSync(file)) return null;
  const key = JSON.parse(readFileSync(file, 'utf8')) as { accessKeyId?: string; accessKeySecret?: string };
  if (!key.accessKeyId || !key.accessKeySecret) throw new Error(`${file} holds no accessKeyId and accessKeySecret`);
  return { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret };
}

const keyFileOf = (env: NodeJS.ProcessEnv) => env.OPENMMS_ACCESS_KEY_FILE ?? join(env.OPENMMS_DATA_DIR ?? 'data', ADMIN_KEY_FILE);

/** Where credentialsFromEnv found what it sent, or everywhere it looked: for a call the server refused. */
export function credentialsLookedFor(env: NodeJS.ProcessEnv): string {
  if (env.OPENMMS_TOKEN) return 'the token sent was OPENMMS_TOKEN';
  if (env.OPENMMS_ACCESS_KEY_ID && env.OPENMMS_ACCESS_KEY_SECRET) return 'the access key sent was OPENMMS_ACCESS_KEY_ID with OPENMMS_ACCESS_KEY_SECRET';
  const file = resolve(keyFileOf(env));
  if (existsSync(file)) return `the access key sent was the one in ${file}`;
  return (
    `no credentials were found: OPENMMS_TOKEN and OPENMMS_ACCESS_KEY_ID with OPENMMS_ACCESS_KEY_SECRET are unset, and there is no key file at ${file}` +
    ` (${env.OPENMMS_ACCESS_KEY_FILE ? 'OPENMMS_ACCESS_KEY_FILE' : "a server's first start writes it into its data folder: run mms in the folder the server runs in, or set OPENMMS_DATA_DIR to that data folder, or OPENMMS_ACCESS_KEY_FILE to the file"})`
  );
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
