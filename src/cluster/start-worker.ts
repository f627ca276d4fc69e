import pino from 'pino';
import { REDACT } from '../api/app.js';
import { secretKeyFile, type ServiceConfig } from '../config.js';
import { testConnection } from '../connectors/index.js';
import { DataSourceService } from '../datasources/service.js';
import { loadSecretKey, SecretBox } from '../security/secrets.js';
import { openStore } from '../store/store.js';
import { TaskQueue } from './queue.js';
import { DEFAULT_WORKER_OPTIONS, Worker } from './worker.js';

/** `mms worker`: a cluster worker on the PostgreSQL store, until SIGTERM hands its tasks back. */
export async function startWorker(config: ServiceConfig, concurrency: number, env: NodeJS.ProcessEnv = process.env): Promise<Worker> {
  if (!/^postgres(ql)?:\/\//.test(config.storeUrl)) throw new Error('a worker needs the PostgreSQL metadata store: give --store-url postgres://…');
  const log = pino({ level: config.logLevel, redact: REDACT });
  const secrets = new SecretBox(loadSecretKey(env, secretKeyFile(config)));
  const store = await openStore(config.storeUrl);
  const dataSources = new DataSourceService(store, secrets, (engine, conn, role) => testConnection(engine, conn, config.dataDir, role));
  const worker = new Worker({ db: store.db, dialect: 'postgres', dataSources, dataDir: config.dataDir }, await TaskQueue.open(config.storeUrl), log, { ...DEFAULT_WORKER_OPTIONS, concurrency });
  await worker.start();
  const stop = async () => {
    await worker.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return worker;
}
