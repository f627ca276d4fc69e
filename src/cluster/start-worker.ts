import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loggerOptions, secretKeyFile, type ServiceConfig } from '../config.js';
import { DataSourceService } from '../datasources/service.js';
import { Sandbox } from '../security/sandbox.js';
import { useDuckdbResources } from '../connectors/duckdb/resources.js';
import { secretBoxFromEnv } from '../security/secrets.js';
import { openStore } from '../store/store.js';
import { Metrics } from '../metrics/metrics.js';
import { TaskQueue } from './queue.js';
import { Worker } from './worker.js';
import { SnapshotRegistry } from '../engine/snapshots.js';
import { ScanService } from '../catalog/scan-service.js';
import { leaseOwner } from '../store/leases.js';

/** Serves the registry's text at /metrics (and nothing else) for Prometheus to scrape. */
async function serveMetrics(metrics: Metrics, at: { host: string; port: number }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return res.writeHead(404).end();
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(at.port, at.host, resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://${at.host}:${port}/metrics`, server };
}

/** `mms worker`: a cluster worker on the PostgreSQL store, until SIGTERM hands its tasks back. */
export async function startWorker(
  config: ServiceConfig,
  metricsAt: { host: string; port: number } | null = null,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ worker: Worker; metricsUrl: string | null }> {
  if (!/^postgres(ql)?:\/\//.test(config.storeUrl)) throw new Error('a worker needs the PostgreSQL metadata store: give --store-url postgres://…');
  const log = pino(loggerOptions(config));
  const secrets = secretBoxFromEnv(env, secretKeyFile(config));
  useDuckdbResources(config.duckdb);
  const store = await openStore(config.storeUrl);
  const sandbox = await Sandbox.create({ dataDir: config.dataDir, storeUrl: config.storeUrl, ...config.sandbox });
  const dataSources = new DataSourceService(store, secrets, sandbox);
  const metrics = new Metrics(store.db);
  const owner = leaseOwner();
  const ctx = { db: store.db, dialect: 'postgres' as const, dataSources, sandbox, snapshots: new SnapshotRegistry(store.db, owner, 2 * config.concurrency, config.leaseMs), metrics };
  const scans = new ScanService(store, dataSources, sandbox, log, { owner, leaseMs: config.leaseMs, runHere: false });
  const worker = new Worker(ctx, await TaskQueue.open(config.storeUrl), log, { concurrency: config.concurrency, leaseMs: config.leaseMs, heartbeatMs: config.leaseMs / 3, maxRunningTasks: config.limits.maxRunningTasks }, scans, owner);
  await worker.start();
  const served = metricsAt ? await serveMetrics(metrics, metricsAt) : null;
  const stop = async () => {
    served?.server.close();
    await worker.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return { worker, metricsUrl: served?.url ?? null };
}
