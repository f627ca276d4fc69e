import type { FastifyInstance } from 'fastify';
import { buildApp, REDACT } from './api/app.js';
import { secretKeyFile, type ServiceConfig } from './config.js';
import { loadSecretKey, SecretBox } from './security/secrets.js';
import { openStore } from './store/store.js';

/** Opens the store (migrating it), builds the API and listens. Closing the app closes the store. */
export async function startServer(config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): Promise<FastifyInstance> {
  const secrets = new SecretBox(loadSecretKey(env, secretKeyFile(config)));
  const store = await openStore(config.storeUrl);
  // Embedded mode runs jobs in this process; on a PostgreSQL store, `mms worker` processes run them.
  const cluster = store.dialect === 'postgres';
  const app = await buildApp({
    store, secrets, dataDir: config.dataDir, logger: { level: config.logLevel, redact: REDACT },
    runJobs: cluster ? 'dispatch' : true, queueUrl: cluster ? config.storeUrl : undefined,
  });
  app.addHook('onClose', () => store.close());
  await app.listen({ host: config.host, port: config.port });
  return app;
}
