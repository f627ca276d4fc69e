import type { FastifyInstance } from 'fastify';
import { buildApp } from './api/app.js';
import { loggerOptions, secretKeyFile, type ServiceConfig } from './config.js';
import { useDuckdbResources } from './connectors/duckdb/resources.js';
import { secretBoxFromEnv } from './security/secrets.js';
import { resealSecrets } from './security/reseal.js';
import { openStore } from './store/store.js';
import { Sandbox } from './security/sandbox.js';

/**
 * Opens the store (migrating it), builds the API, makes sure there is an administrator (see
 * AccessKeyService.bootstrap) and listens. Closing the app closes the store. `adminKeyFile` is the
 * file the first administrator's key was written to on this start, if it was.
 */
export async function startServer(config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): Promise<{ app: FastifyInstance; adminKeyFile: string | null; sandbox: Sandbox }> {
  const secrets = secretBoxFromEnv(env, secretKeyFile(config));
  useDuckdbResources(config.duckdb);
  const sandbox = await Sandbox.create({ dataDir: config.dataDir, storeUrl: config.storeUrl, ...config.sandbox });
  const store = await openStore(config.storeUrl);
  const resealed = await resealSecrets(store, secrets);
  // Embedded mode runs jobs in this process; on a PostgreSQL store, `mms worker` processes run them.
  const cluster = store.dialect === 'postgres';
  const app = await buildApp({
    store, secrets, sandbox, logger: loggerOptions(config),
    runJobs: cluster ? 'dispatch' : true, queueUrl: cluster ? config.storeUrl : undefined, concurrency: config.concurrency, leaseMs: config.leaseMs, auth: config.auth, limits: config.limits, trustProxy: config.trustProxy,
  });
  app.addHook('onClose', () => store.close());
  if (resealed) app.log.info({ resealed }, 'secrets sealed with a retired key were sealed again with the current one');
  const adminKeyFile = config.auth ? await app.accessKeys.bootstrap(env, config.dataDir) : null;
  await app.listen({ host: config.host, port: config.port });
  return { app, adminKeyFile, sandbox };
}
