import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp, REDACT } from '../../src/api/app.js';
import { SecretBox } from '../../src/security/secrets.js';
import { createTestStore, type StoreKind, type TestStore } from './stores.js';
import { TEST_ADMIN } from './auth.js';
import { ADMINISTRATOR } from '../../src/auth/policy.js';
import type { JobLimits } from '../../src/jobs/limits.js';

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
  /** The key the app seals passwords with (to build services beside the app's). */
  secrets = new SecretBox(randomBytes(32));

  static async start(
    kind: StoreKind,
    dataDir = tmpdir(),
    { runJobs = false, timerPollMs = 0, store = undefined as TestStore | undefined, secrets = undefined as SecretBox | undefined, auth = true, limits = undefined as JobLimits | undefined } = {},
  ): Promise<TestApi> {
    const api = new TestApi();
    if (secrets) api.secrets = secrets;
    api.testStore = store ?? (await createTestStore(kind));
    api.ownsStore = store === undefined;
    const stream = new Writable({
      write(chunk, _enc, done) {
        api.logs.push(chunk.toString());
        done();
      },
    });
    api.app = await buildApp({
      store: api.testStore.store,
      secrets: api.secrets,
      dataDir,
      runJobs,
      timerPollMs,
      auth,
      limits,
      logger: { level: 'trace', redact: REDACT, stream },
    });
    if (auth) {
      // Two processes on one store share their administrator.
      if (!(await api.app.accessKeys.lookup(TEST_ADMIN.accessKeyId))) await api.app.accessKeys.create('admin', ADMINISTRATOR, { id: TEST_ADMIN.accessKeyId, secret: TEST_ADMIN.accessKeySecret });
      api.token = (await api.app.accessKeys.issueToken(TEST_ADMIN.accessKeyId, TEST_ADMIN.accessKeySecret)).token;
    }
    return api;
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
  }
}

export const mms = (path: string) => `/api/v1/mms${path}`;
