import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DataSourceService } from '../datasources/service.js';
import { DestinationGuard } from '../datasources/destination-guard.js';
import { backfillEndpoints } from '../datasources/endpoints.js';
import { JobService } from '../jobs/service.js';
import type { JobLimits } from '../jobs/quotas.js';
import type { SecretBox } from '../security/secrets.js';
import type { Sandbox } from '../security/sandbox.js';
import type { Store } from '../store/store.js';
import { oncePerCall, type CallVersion } from '../store/store-cache.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { clientErrorHandler, frameworkErrors, installHardening, parseJsonBody } from './hardening.js';
import { ErrorBody } from './schemas/common.js';
import { validatorCompiler } from './validation.js';
import { dataSourceRoutes } from './routes/datasources.js';
import { jobRoutes } from './routes/jobs.js';
import { catalogRoutes } from './routes/catalog.js';
import { taskRoutes } from './routes/tasks.js';
import { asyncTaskRoutes } from './routes/async-tasks.js';
import { timerRoutes } from './routes/timers.js';
import { TimerService } from '../timers/service.js';
import { TimerScheduler } from '../timers/scheduler.js';
import { CatalogService } from '../catalog/service.js';
import { ScanService } from '../catalog/scan-service.js';
import { DEFAULT_RUNNER_OPTIONS, Runner } from '../engine/runner.js';
import { SnapshotRegistry } from '../engine/snapshots.js';
import type { EngineFaults } from '../engine/task-run.js';
import { Dispatcher } from '../cluster/dispatcher.js';
import { Poller } from '../jobs/poller.js';
import { DEFAULT_LEASE_MS, leaseOwner } from '../store/leases.js';
import { TaskQueue } from '../cluster/queue.js';
import { Metrics } from '../metrics/metrics.js';
import { AccessKeyService } from '../auth/keys.js';
import { installAuth, type AuthLimits } from './auth.js';
import { authRoutes } from './routes/auth.js';
import { consoleRoutes } from '../web/console.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Background metadata scans (tests wait on `scans.idle()`). */
    scans: ScanService;
    /** The in-process job runner, when this process runs jobs. */
    runner: Runner | null;
    /** The timer scheduler, when this process fires timers. */
    scheduler: TimerScheduler | null;
    /** Access keys and tokens (the server bootstraps the first administrator through it). */
    accessKeys: AccessKeyService;
  }
  interface FastifyRequest {
    /** A call that writes nothing (GET) reads the store's version once for all its caches (store-cache.ts). */
    storeVersion: CallVersion | undefined;
  }
}

export interface AppDeps {
  store: Store;
  secrets: SecretBox;
  /** Where connections may go: file roots, allowed hosts, private destinations (security/sandbox.ts). */
  sandbox: Sandbox;
  /**
   * How jobs run: in this process (`true`, the embedded mode), offered to cluster workers through
   * the queue in the PostgreSQL store at `queueUrl` (`'dispatch'`), or not from here (`false`).
   */
  runJobs?: boolean | 'dispatch';
  queueUrl?: string;
  /** Partitions per job and jobs at once (default DEFAULT_JOB_LIMITS). */
  limits?: JobLimits;
  /** Authenticate and authorise every /api/v1 call (default true). */
  auth?: boolean;
  /** Failed authentications and logins per client address (default DEFAULT_AUTH_LIMITS). */
  authLimits?: AuthLimits;
  /** Tasks the embedded runner copies at once. */
  concurrency?: number;
  /** How long the scans and source snapshots this process holds stay its own unrenewed (default DEFAULT_LEASE_MS). */
  leaseMs?: number;
  /** How often to check timers (ms); 0 for none in this process. Default 1000. */
  timerPollMs?: number;
  /** Faults a test injects into the embedded runner (engine/task-run.ts EngineFaults). */
  faults?: EngineFaults;
  logger?: FastifyServerOptions['logger'];
  /**
   * Reverse proxies (addresses, CIDR blocks) whose X-Forwarded-For names the client: the address
   * the rate limits count and the logs show. Elsewhere the header is ignored (a client could forge it).
   */
  trustProxy?: string[];
}

export const API_PREFIX = '/api/v1/mms';
/** A request slower than this is logged at warn (every other request at debug, errors above it). */
const SLOW_REQUEST_MS = 1000;
/** Request bodies above this are refused with 413 before parsing. */
export const BODY_LIMIT = 4 * 1024 * 1024;


export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: BODY_LIMIT,
    genReqId: () => randomUUID().toUpperCase(),
    requestIdHeader: false,
    clientErrorHandler,
    frameworkErrors,
    // One line a request, at the level it deserves (below), instead of Fastify's two at info.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: deps.trustProxy?.length ? deps.trustProxy : false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // The API speaks JSON only: anything else is a 415, not a string body that fails validation later.
  app.removeContentTypeParser('text/plain');
  // Clients (and the MMS SDKs) send `Content-Type: application/json` with no body on start/stop.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    _req.rawBody = body as string; // signatures cover the body as sent
    if (body === '') return done(null, undefined);
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  installHardening(app);
  app.decorateRequest('storeVersion', undefined);
  app.addHook('onRequest', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD') req.storeVersion = oncePerCall(deps.store.version);
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // A busy server's log is its failures and slow calls; every request is there at debug.
  app.addHook('onResponse', async (req, reply) => {
    const ms = Math.round(reply.elapsedTime);
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : ms >= SLOW_REQUEST_MS ? 'warn' : status >= 400 ? 'info' : 'debug';
    req.log[level]({ method: req.method, url: req.url.split('?')[0], status, ms }, ms >= SLOW_REQUEST_MS ? 'slow request' : 'request');
  });

  app.addSchema(ErrorBody);
  await app.register(swagger, {
    openapi: {
      info: { title: 'OpenMMS API', version: '0.1.0', description: 'MaxCompute Migration Service (MMS) compatible API of OpenMMS.' },
    },
  });

  const keys = new AccessKeyService(deps.store, deps.secrets);
  if (deps.auth !== false) installAuth(app, keys, deps.store, deps.authLimits);
  app.decorate('accessKeys', keys);
  const dataSources = new DataSourceService(deps.store, deps.secrets, deps.sandbox);
  await backfillEndpoints(deps.store.db, dataSources, app.log);
  const metrics = new Metrics(deps.store.db);
  const concurrency = deps.concurrency ?? DEFAULT_RUNNER_OPTIONS.concurrency;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const runner =
    deps.runJobs === false || deps.runJobs === 'dispatch'
      ? null
      : new Runner({ db: deps.store.db, dialect: deps.store.dialect, dataSources, sandbox: deps.sandbox, snapshots: new SnapshotRegistry(deps.store.db, leaseOwner(), 2 * concurrency, leaseMs), metrics, faults: deps.faults }, app.log, {
          ...DEFAULT_RUNNER_OPTIONS,
          concurrency,
        });
  let dispatcher: Dispatcher | null = null;
  if (deps.runJobs === 'dispatch') {
    if (!deps.queueUrl) throw new Error('cluster mode needs the PostgreSQL store URL for its task queue');
    dispatcher = new Dispatcher(deps.store.db, await TaskQueue.open(deps.queueUrl), app.log);
    dispatcher.start();
    app.addHook('onClose', () => dispatcher!.close());
  }
  const jobs = new JobService(deps.store, dataSources, runner ?? dispatcher, new DestinationGuard(deps.store.db, deps.sandbox), deps.limits);
  // Embedded, scans run here, and this process takes over one a dead process left; in a cluster, the workers run them.
  const runScansHere = deps.runJobs !== 'dispatch';
  const scans = new ScanService(deps.store, dataSources, deps.sandbox, app.log, { owner: leaseOwner(), leaseMs, runHere: runScansHere, offer: () => dispatcher?.nudge() });
  if (runScansHere) {
    const resumer = new Poller('scan resume', () => scans.resume(), leaseMs / 3, app.log);
    resumer.start();
    app.addHook('onClose', () => resumer.close());
  }
  app.addHook('onClose', () => scans.idle());
  app.decorate('scans', scans);
  app.decorate('runner', runner);
  if (runner) {
    await runner.recover();
    runner.start();
    app.addHook('onClose', () => runner.close());
  }
  await app.register(authRoutes(keys), { prefix: '/api/v1/auth' });
  await app.register(dataSourceRoutes(dataSources, deps.store), { prefix: API_PREFIX });
  await app.register(jobRoutes(jobs, deps.store), { prefix: API_PREFIX });
  await app.register(asyncTaskRoutes(deps.store, dataSources), { prefix: API_PREFIX });
  await app.register(catalogRoutes(new CatalogService(deps.store, dataSources), scans), { prefix: API_PREFIX });
  await app.register(taskRoutes(deps.store, dataSources, jobs), { prefix: API_PREFIX });
  const timers = new TimerService(deps.store, dataSources, jobs);
  await app.register(timerRoutes(timers), { prefix: API_PREFIX });
  const scheduler = deps.timerPollMs === 0 ? null : new TimerScheduler(deps.store, timers, app.log, deps.timerPollMs ?? 1000);
  app.decorate('scheduler', scheduler);
  if (scheduler) {
    scheduler.start();
    app.addHook('onClose', () => scheduler.close());
  }

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { displayOperationId: true, docExpansion: 'list', tryItOutEnabled: true } });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
  await consoleRoutes(app);
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  return app;
}
