import { isAbsolute, resolve } from 'node:path';
import type { SourceCatalog } from './connector.js';
import type { Connection, Engine } from './engines.js';
import { DuckdbCatalog } from './duckdb/catalog.js';
import { LakeCatalog } from './lake/catalog.js';
import { MysqlCatalog } from './mysql/catalog.js';
import { PostgresCatalog } from './postgres/catalog.js';
import { SqliteCatalog } from './sqlite/catalog.js';

const catalogs: Record<Engine, (conn: Connection) => Promise<SourceCatalog>> = {
  POSTGRESQL: (c) => PostgresCatalog.open(c),
  MYSQL: (c) => MysqlCatalog.open(c),
  SQLITE: (c) => SqliteCatalog.open(c),
  DUCKDB: (c) => DuckdbCatalog.open(c),
  LAKE: (c) => LakeCatalog.open(c),
};

/** File paths in a connection are relative to the service's data directory. */
export function resolvePaths(conn: Connection, dataDir: string): Connection {
  return conn.path && !isAbsolute(conn.path) ? { ...conn, path: resolve(dataDir, conn.path) } : conn;
}

export function openCatalog(engine: Engine, conn: Connection, dataDir: string): Promise<SourceCatalog> {
  return catalogs[engine](resolvePaths(conn, dataDir));
}
