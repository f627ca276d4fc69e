import { DEFAULT_JOB_LIMITS, type JobLimits } from './jobs/quotas.js';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { sandboxOptionsFromEnv } from './security/sandbox.js';
import { DEFAULT_LEASE_MS } from './store/leases.js';
import { duckdbResourcesFrom, type DuckdbResources } from './connectors/duckdb/resources.js';

/** Service settings: command-line flags win over OPENMMS_* environment variables, which win over defaults. */
export interface ServiceConfig {
  dataDir: string;
  storeUrl: string;
  host: string;
  port: number;
  logLevel: string;
  /** `pretty`: readable lines (the default on a terminal); `json`: one JSON object a line (elsewhere). */
  logFormat: LogFormat;
  /** Tasks this process copies at once (the embedded runner, or a worker). */
  concurrency: number;
  /** Every API call needs credentials (off only for a trial on a machine of one's own). */
  auth: boolean;
  limits: JobLimits;
  /** OPENMMS_FILE_ROOTS and OPENMMS_ALLOWED_HOSTS (security/sandbox.ts). */
  sandbox: { fileRoots: string[]; allowedHosts: string[] };
  /** OPENMMS_DUCKDB_MEMORY and OPENMMS_DUCKDB_THREADS, or what the machine and the concurrency allow. */
  duckdb: DuckdbResources;
  /** OPENMMS_TRUST_PROXY: the reverse proxies (addresses, CIDR blocks) whose X-Forwarded-For names the client. */
  trustProxy: string[];
  /**
   * OPENMMS_LEASE_SECONDS: how long the tasks, scans and source snapshots a process holds stay its
   * own without renewal; a process that died is replaced that long after. Renewed every third of it.
   */
  leaseMs: number;
}

export interface ConfigOverrides {
  dataDir?: string;
  storeUrl?: string;
  host?: string;
  port?: number;
  logLevel?: string;
  logFormat?: string;
  concurrency?: number;
  auth?: boolean;
}

export type LogFormat = 'pretty' | 'json';

function logFormat(value: string | undefined, terminal: boolean): LogFormat {
  if (value === undefined) return terminal ? 'pretty' : 'json';
  if (value !== 'pretty' && value !== 'json') throw new Error(`the log format is pretty or json (got ${value})`);
  return value;
}

/** pino's settings for a format: pretty lines through pino-pretty's transport, or plain JSON. */
export function loggerOptions(config: Pick<ServiceConfig, 'logLevel' | 'logFormat'>) {
  return {
    level: config.logLevel,
    redact: REDACT,
    ...(config.logFormat === 'pretty' && { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true } } }),
  };
}

export const DEFAULT_CONCURRENCY = 4;

/** A comma-separated list of IP addresses and CIDR blocks (`10.0.0.0/8`, `::1`). */
function addresses(env: NodeJS.ProcessEnv, name: string): string[] {
  const list = (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of list) {
    const [ip, bits, ...rest] = a.split('/');
    const version = isIP(ip!);
    const max = version === 4 ? 32 : 128;
    if (!version || rest.length > 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) throw new Error(`${name}: '${a}' is not an IP address or CIDR block`);
  }
  return list;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = Number(env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a whole number above 0 (got ${env[name]})`);
  return v;
}

export function loadConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): ServiceConfig {
  const dataDir = resolve(overrides.dataDir ?? env.OPENMMS_DATA_DIR ?? 'data');
  const port = overrides.port ?? Number(env.OPENMMS_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${env.OPENMMS_PORT}`);
  const concurrency = overrides.concurrency ?? Number(env.OPENMMS_CONCURRENCY ?? DEFAULT_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new Error(`invalid concurrency: ${env.OPENMMS_CONCURRENCY} (from 1 to 64)`);
  return {
    dataDir,
    storeUrl: overrides.storeUrl ?? env.OPENMMS_STORE_URL ?? `sqlite:${join(dataDir, 'openmms.sqlite')}`,
    host: overrides.host ?? env.OPENMMS_HOST ?? '127.0.0.1',
    port,
    logLevel: overrides.logLevel ?? env.OPENMMS_LOG_LEVEL ?? 'info',
    logFormat: logFormat(overrides.logFormat ?? env.OPENMMS_LOG_FORMAT, process.stdout.isTTY === true),
    concurrency,
    auth: overrides.auth ?? env.OPENMMS_AUTH !== 'off',
    sandbox: sandboxOptionsFromEnv(env),
    duckdb: duckdbResourcesFrom(env, concurrency),
    trustProxy: addresses(env, 'OPENMMS_TRUST_PROXY'),
    leaseMs: leaseSeconds(env) * 1000,
    limits: {
      maxPartitionsPerJob: positiveInt(env, 'OPENMMS_MAX_PARTITIONS_PER_JOB', DEFAULT_JOB_LIMITS.maxPartitionsPerJob),
      maxActiveJobs: positiveInt(env, 'OPENMMS_MAX_ACTIVE_JOBS', DEFAULT_JOB_LIMITS.maxActiveJobs),
      maxRunningTasks: env.OPENMMS_MAX_RUNNING_TASKS === undefined ? null : positiveInt(env, 'OPENMMS_MAX_RUNNING_TASKS', 1),
    },
  };
}

function leaseSeconds(env: NodeJS.ProcessEnv): number {
  const text = env.OPENMMS_LEASE_SECONDS;
  if (text === undefined) return DEFAULT_LEASE_MS / 1000;
  const n = Number(text);
  // Below 3 s a process busy for a moment would lose what it holds; above 10 minutes a dead one is missed too long.
  if (!Number.isInteger(n) || n < 3 || n > 600) throw new Error(`invalid OPENMMS_LEASE_SECONDS: ${text} (whole seconds, from 3 to 600)`);
  return n;
}

/** Where the embedded mode keeps its generated secret key; none for a PostgreSQL store. */
export function secretKeyFile(config: ServiceConfig): string | null {
  return config.storeUrl.startsWith('sqlite:') ? join(config.dataDir, 'secret.key') : null;
}

/** Paths of the request that may carry secrets; pino replaces them before a log line is written. */
export const REDACT = ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.*.password', '*.*.*.password'];
