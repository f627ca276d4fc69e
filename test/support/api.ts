import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox, type SandboxOptions } from '../../src/security/sandbox.js';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { REDACT } from '../../src/config.js';
import { SecretBox } from '../../src/security/secrets.js';
import { createTestStore, type StoreKind, type TestStore } from './stores.js';
import { TEST_ADMIN } from './auth.js';
import { ADMINISTRATOR, type Policy } from '../../src/auth/policy.js';
import type { JobLimits } from '../../src/jobs/quotas.js';
import type { AuthLimits } from '../../src/api/auth.js';
import type { EngineFaults } from '../../src/engine/task-run.js';

export interface ApiResponse {
  status: number;
  body: any;
  text: string;
}

/** The real app on a real store, called in-process; keeps every response and log line it saw. */
export class TestApi {
  readonly responses: string[] = [];
  readonly logs: string[] = [];
  app!: FastifyInstance;
  testStore!: TestStore;
  /** False when the store is shared with another TestApi (two API processes on one store). */
  private ownsStore = true;
  /** The administrator's bearer token, sent with every call that brings no Authorization of its own. */
  token: string | null = null;
  /** Where the app's connections may go: `dataDir` is its file root; the service's own folder is elsewhere. */
  sandbox!: Sandbox;
  /** The service's data directory (private destinations live there). */
  serviceDir!: string;
  /** The key the app seals passwords with (to build services beside the app's). */
  secrets = new SecretBox(randomBytes(32));

  static async start(
    kind: StoreKind,
    dataDir = tmpdir(),
    { runJobs = false, timerPollMs = 0, store = undefined as TestStore | undefined, secrets = undefined as SecretBox | undefined, auth = true, limits = undefined as JobLimits | undefined, sandbox = {} as Partial<SandboxOptions>, authLimits = undefined as AuthLimits | undefined, faults = undefined as EngineFaults | undefined, concurrency = undefined as number | undefined, trustProxy = undefined as string[] | undefined } = {},
  ): Promise<TestApi> {
    const api = new TestApi();
    if (secrets) api.secrets = secrets;
    api.testStore = store ?? (await createTestStore(kind));
    api.ownsStore = store === undefined;
    api.serviceDir = mkdtempSync(join(tmpdir(), 'openmms-service-'));
    api.sandbox = await Sandbox.create({ dataDir: api.serviceDir, fileRoots: [dataDir], storeUrl: api.testStore.url, ...sandbox });
    const stream = new Writable({
      write(chunk, _enc, done) {
        api.logs.push(chunk.toString());
        done();
      },
    });
    api.app = await buildApp({
      store: api.testStore.store,
      secrets: api.secrets,
      sandbox: api.sandbox,
      runJobs,
      timerPollMs,
      auth,
      limits,
      authLimits,
      faults,
      concurrency,
      trustProxy,
      logger: { level: 'trace', redact: REDACT, stream },
    });
    if (auth) {
      // Two processes on one store share their administrator.
      if (!(await api.app.accessKeys.lookup(TEST_ADMIN.accessKeyId))) await api.app.accessKeys.create('admin', ADMINISTRATOR, { id: TEST_ADMIN.accessKeyId, secret: TEST_ADMIN.accessKeySecret });
      api.token = (await api.app.accessKeys.issueToken(TEST_ADMIN.accessKeyId, TEST_ADMIN.accessKeySecret)).token;
    }
    return api;
  }

  /** A caller with its own access key and policy (a tenant): calls with its bearer token. */
  async tenant(name: string, policy: Policy): Promise<(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => Promise<ApiResponse>> {
    const key = await this.app.accessKeys.create(name, policy);
    const { token } = await this.app.accessKeys.issueToken(key.accessKeyId, key.accessKeySecret);
    return (method, url, body) => this.call(method, url, body, { authorization: `Bearer ${token}` });
  }

  get store() {
    return this.testStore.store;
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const auth = 'authorization' in headers || !this.token ? {} : { authorization: `Bearer ${this.token}` };
    const res = await this.app.inject({
      method,
      url,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    this.responses.push(JSON.stringify(res.headers) + res.body);
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, text: res.body };
  }

  async close() {
    await this.app.close();
    if (this.ownsStore) await this.testStore.drop();
    rmSync(this.serviceDir, { recursive: true, force: true });
  }
}

export const mms = (path: string) => `/api/v1/mms${path}`;

/**
 * MMS calls through a TestApi (`api` gives it once a test's beforeAll has started it), each of which
 * must answer 200, its data returned; and a data source's metadata scan, run to its end.
 */
export function mmsCalls(api: () => TestApi) {
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => {
    const res = await api().call(method, mms(path), body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };
  const scan = async (sourceId: number) => {
    const { scanId } = await call('POST', `/datasources/${sourceId}/scans`);
    await api().app.scans.idle();
    expect((await call('GET', `/datasources/${sourceId}/scans/${scanId}`)).status).toBe('DONE');
  };
  return { call, scan };
}
