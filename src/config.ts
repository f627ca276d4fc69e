import { join, resolve } from 'node:path';

/** Service settings: command-line flags win over OPENMMS_* environment variables, which win over defaults. */
export interface ServiceConfig {
  dataDir: string;
  storeUrl: string;
  host: string;
  port: number;
  logLevel: string;
}

export interface ConfigOverrides {
  dataDir?: string;
  storeUrl?: string;
  host?: string;
  port?: number;
  logLevel?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): ServiceConfig {
  const dataDir = resolve(overrides.dataDir ?? env.OPENMMS_DATA_DIR ?? 'data');
  const port = overrides.port ?? Number(env.OPENMMS_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${env.OPENMMS_PORT}`);
  return {
    dataDir,
    storeUrl: overrides.storeUrl ?? env.OPENMMS_STORE_URL ?? `sqlite:${join(dataDir, 'openmms.sqlite')}`,
    host: overrides.host ?? env.OPENMMS_HOST ?? '127.0.0.1',
    port,
    logLevel: overrides.logLevel ?? env.OPENMMS_LOG_LEVEL ?? 'info',
  };
}

/** Where the embedded mode keeps its generated secret key; none for a PostgreSQL store. */
export function secretKeyFile(config: ServiceConfig): string | null {
  return config.storeUrl.startsWith('sqlite:') ? join(config.dataDir, 'secret.key') : null;
}
