import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConnectionError, type ColumnMeta, type SourceCatalog } from './connector.js';
import { scalar, type LogicalType, type ScalarKind } from './types/logical.js';
import { fromDuckdb } from './duckdb/types.js';
import { fromMysql } from './mysql/types.js';
import { fromPostgres } from './postgres/types.js';
import { fromSqlite } from './sqlite/types.js';
import type { Connection, Engine } from './engines.js';
import { DuckdbCatalog } from './duckdb/catalog.js';
import { LakeCatalog } from './lake/catalog.js';
import { MysqlCatalog } from './mysql/catalog.js';
import { PostgresCatalog } from './postgres/catalog.js';
import { SqliteCatalog } from './sqlite/catalog.js';
import type { DestinationWriter, SourceReader } from './data.js';
import { DuckdbReader } from './duckdb/reader.js';
import { DuckdbWriter } from './duckdb/writer.js';
import { LakeReader } from './lake/reader.js';
import { LakeWriter } from './lake/writer.js';
import { MysqlReader } from './mysql/reader.js';
import { MysqlWriter } from './mysql/writer.js';
import { PostgresReader } from './postgres/reader.js';
import { PostgresWriter } from './postgres/writer.js';
import { SqliteReader, SqliteWriter } from './sqlite/data.js';

const catalogs: Record<Engine, (conn: Connection) => Promise<SourceCatalog>> = {
  POSTGRESQL: (c) => PostgresCatalog.open(c),
  MYSQL: (c) => MysqlCatalog.open(c),
  SQLITE: (c) => SqliteCatalog.open(c),
  DUCKDB: (c) => DuckdbCatalog.open(c),
  LAKE: (c) => LakeCatalog.open(c),
};

const readers: Record<Engine, (conn: Connection) => Promise<SourceReader>> = {
  POSTGRESQL: (c) => PostgresReader.open(c),
  MYSQL: (c) => MysqlReader.open(c),
  SQLITE: (c) => SqliteReader.open(c),
  DUCKDB: (c) => DuckdbReader.open(c),
  LAKE: (c) => LakeReader.open(c),
};

const writers: Record<Engine, (conn: Connection) => Promise<DestinationWriter>> = {
  POSTGRESQL: (c) => PostgresWriter.open(c),
  MYSQL: (c) => MysqlWriter.open(c),
  SQLITE: (c) => SqliteWriter.open(c),
  DUCKDB: (c) => DuckdbWriter.open(c),
  LAKE: (c) => LakeWriter.open(c),
};

const nativeTypes: Record<Engine, (native: string) => LogicalType> = {
  POSTGRESQL: fromPostgres,
  MYSQL: fromMysql,
  SQLITE: fromSqlite,
  DUCKDB: fromDuckdb,
  LAKE: fromDuckdb,
};

/** The logical type of a column the catalog recorded; lake partition columns carry theirs directly. */
export function logicalType(engine: Engine, column: ColumnMeta): LogicalType {
  return column.nativeType === 'folder' ? scalar(column.type as ScalarKind) : nativeTypes[engine](column.nativeType);
}

export function openReader(engine: Engine, conn: Connection, dataDir: string): Promise<SourceReader> {
  return readers[engine](resolvePaths(conn, dataDir));
}

export function openWriter(engine: Engine, conn: Connection, dataDir: string): Promise<DestinationWriter> {
  return writers[engine](resolvePaths(conn, dataDir));
}

/** File paths in a connection are relative to the service's data directory. */
export function resolvePaths(conn: Connection, dataDir: string): Connection {
  return conn.path && !isAbsolute(conn.path) ? { ...conn, path: resolve(dataDir, conn.path) } : conn;
}

export function openCatalog(engine: Engine, conn: Connection, dataDir: string): Promise<SourceCatalog> {
  return catalogs[engine](resolvePaths(conn, dataDir));
}

/**
 * Proves a connection works before it is saved: a source must answer; a server destination must
 * accept the login; a file destination's folder must exist or be creatable.
 */
export async function testConnection(engine: Engine, conn: Connection, dataDir: string, role: 'source' | 'destination'): Promise<void> {
  const resolved = resolvePaths(conn, dataDir);
  if (role === 'destination' && resolved.path !== undefined) {
    const folder = engine === 'LAKE' ? resolved.path : dirname(resolved.path);
    try {
      mkdirSync(folder, { recursive: true });
    } catch (err) {
      throw new ConnectionError(`cannot create destination folder ${folder}: ${(err as Error).message}`);
    }
    return;
  }
  const catalog = await catalogs[engine](resolved);
  try {
    await catalog.ping();
  } finally {
    await catalog.close();
  }
}
