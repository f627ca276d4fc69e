import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConnectionError, type ColumnMeta, type SourceCatalog } from './connector.js';
import { scalar, type LogicalType, type ScalarKind } from './types/logical.js';
import { fromDuckdb } from './duckdb/types.js';
import { duckdbColumnLimit } from './duckdb/resources.js';
import { fromMysql } from './mysql/types.js';
import { fromPostgres } from './postgres/types.js';
import { fromSqlite } from './sqlite/types.js';
import type { Connection, Engine } from './engines.js';
import { DuckdbCatalog } from './duckdb/catalog.js';
import { LakeCatalog } from './lake/catalog.js';
import { MysqlCatalog } from './mysql/catalog.js';
import { PostgresCatalog } from './postgres/catalog.js';
import { SqliteCatalog } from './sqlite/catalog.js';
import type { DestinationWriter, SnapshotSupport, SourceReader } from './data.js';
import { DuckdbReader } from './duckdb/reader.js';
import { DuckdbWriter } from './duckdb/writer.js';
import { LakeReader } from './lake/reader.js';
import { LakeWriter } from './lake/writer.js';
import { removeStaging, sliceFolder } from './lake/layout.js';
import { MysqlReader } from './mysql/reader.js';
import { MysqlWriter } from './mysql/writer.js';
import { PostgresReader } from './postgres/reader.js';
import { PostgresWriter } from './postgres/writer.js';
import { exportSnapshot, joinExported } from './postgres/snapshot.js';
import { openSnapshotPool } from './mysql/snapshot.js';
import { SqliteReader, SqliteWriter } from './sqlite/data.js';

/**
 * What each engine brings: its catalog, reader and writer, its native → logical type map, and,
 * where it has them, snapshots several readers share (each reader alone always reads in one).
 */
interface EngineParts {
  catalog(conn: Connection): Promise<SourceCatalog>;
  reader(conn: Connection): Promise<SourceReader>;
  writer(conn: Connection): Promise<DestinationWriter>;
  logical(native: string): LogicalType;
  snapshot?: SnapshotSupport;
  /** As a destination, replaces a chunk of a table (a key range) on its own: big tables are copied chunk by chunk. */
  chunks?: true;
  /**
   * Array types (native names) whose elements its JSON prints as JSON strings, exactly as the
   * other engines' JSON prints a list of texts: such values are compared by value across engines.
   */
  stringArrays?: RegExp;
  /** As a destination, the most columns a table can have, and the reason in words (`… (limit)`) for a refusal. */
  maxColumns?: () => { limit: number; because: string };
  /**
   * As a destination, keeps each slice in a folder of its own (its location) instead of rows tagged
   * with SLICE_COLUMN; an interrupted copy may leave staging folders below `path`, which this
   * removes when nobody can still be writing them (older than `olderThanMs`): how many it removed.
   */
  folders?: {
    /** A partition's folder name (`exactTable`: every partition of its table is one value of its column). */
    sliceFolder(value: string, exactTable: boolean): string;
    removeStaging(path: string, olderThanMs: number): Promise<number>;
  };
}

const ENGINE_PARTS: Record<Engine, EngineParts> = {
  POSTGRESQL: {
    catalog: (c) => PostgresCatalog.open(c), reader: (c) => PostgresReader.open(c), writer: (c) => PostgresWriter.open(c), logical: fromPostgres,
    snapshot: { open: exportSnapshot, join: joinExported },
    chunks: true,
    maxColumns: () => ({ limit: 1600, because: 'a PostgreSQL table can have (1600);' }),
    // Not numeric[] (printed as numbers) nor an enum's or composite's array (objects), though all read as text.
    stringArrays: /^(text|character varying(\(\d+\))?|character\(\d+\)|uuid|name|citext|inet|cidr|macaddr8?)\[\]$/,
  },
  MYSQL: {
    catalog: (c) => MysqlCatalog.open(c), reader: (c) => MysqlReader.open(c), writer: (c) => MysqlWriter.open(c), logical: fromMysql,
    snapshot: { open: openSnapshotPool },
    chunks: true,
    maxColumns: () => ({ limit: 1017, because: 'a MariaDB (InnoDB) table can have (1017);' }),
  },
  SQLITE: { catalog: (c) => SqliteCatalog.open(c), reader: (c) => SqliteReader.open(c), writer: (c) => SqliteWriter.open(c), logical: fromSqlite, chunks: true },
  DUCKDB: {
    catalog: (c) => DuckdbCatalog.open(c), reader: (c) => DuckdbReader.open(c), writer: (c) => DuckdbWriter.open(c), logical: fromDuckdb,
    chunks: true, maxColumns: duckdbColumnLimit, stringArrays: /^(varchar|uuid)\[\]$/i,
  },
  // A lake's schema is what DuckDB reads from its Parquet files.
  LAKE: {
    catalog: (c) => LakeCatalog.open(c), reader: (c) => LakeReader.open(c), writer: (c) => LakeWriter.open(c), logical: fromDuckdb,
    folders: { sliceFolder, removeStaging }, stringArrays: /^(varchar|uuid)\[\]$/i,
  },
};

/** Whether a source column of this engine holds lists its JSON prints as JSON strings (EngineParts.stringArrays). */
export const printsStringList = (engine: Engine, native: string | undefined): boolean => native !== undefined && ENGINE_PARTS[engine].stringArrays?.test(native) === true;

/** The most columns a destination table of this engine can have, if it has a limit, and why. */
export const maxColumns = (engine: Engine): { limit: number; because: string } | undefined => ENGINE_PARTS[engine].maxColumns?.();

/** The logical type of a column the catalog recorded; lake partition columns carry theirs directly. */
export function logicalType(engine: Engine, column: ColumnMeta): LogicalType {
  return column.nativeType === 'folder' ? scalar(column.type as ScalarKind) : ENGINE_PARTS[engine].logical(column.nativeType);
}

/*
 * Connections reach these functions resolved by the sandbox (security/sandbox.ts): absolute,
 * confined paths and checked host addresses. Nothing here decides where a connection may go.
 */

export function openReader(engine: Engine, conn: Connection): Promise<SourceReader> {
  return ENGINE_PARTS[engine].reader(conn);
}

/** Whether the engine, as a destination, takes big tables chunk by chunk (a lake replaces whole folders only). */
export const writesChunks = (engine: Engine): boolean => ENGINE_PARTS[engine].chunks === true;

/** Whether the engine, as a destination, keeps slices as folders (their location) rather than tagged rows. */
export const slicesAsFolders = (engine: Engine): boolean => ENGINE_PARTS[engine].folders !== undefined;

/** The destination's name of a partition's slice: its value, or in an engine of folders the folder it is kept in. */
export const partitionSliceName = (engine: Engine, value: string, exactTable: boolean): string => ENGINE_PARTS[engine].folders?.sliceFolder(value, exactTable) ?? value;

/** Removes the staging an interrupted copy left in the engine's destination at `path` (0 where it stages nothing). */
export const removeStagingLeftovers = (engine: Engine, path: string, olderThanMs: number): Promise<number> => ENGINE_PARTS[engine].folders?.removeStaging(path, olderThanMs) ?? Promise.resolve(0);

/** What the engine offers for snapshots shared by readers; null where each reader reads in its own. */
export function snapshotSupport(engine: Engine): SnapshotSupport | null {
  return ENGINE_PARTS[engine].snapshot ?? null;
}

export function openWriter(engine: Engine, conn: Connection): Promise<DestinationWriter> {
  return ENGINE_PARTS[engine].writer(conn);
}

export function openCatalog(engine: Engine, conn: Connection): Promise<SourceCatalog> {
  return ENGINE_PARTS[engine].catalog(conn);
}

/** The folder itself, or the nearest one above it that exists. */
function nearestFolder(path: string): string {
  let at = path;
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  return at;
}

/**
 * Proves a connection works before it is saved, changing nothing: a source must answer; a server
 * destination must accept the login; a file destination's folder (or the one it would be created
 * in) must be one the service can write.
 */
export async function testConnection(engine: Engine, resolved: Connection, role: 'source' | 'destination'): Promise<void> {
  if (role === 'destination' && resolved.path !== undefined) {
    const folder = nearestFolder(engine === 'LAKE' ? resolved.path : dirname(resolved.path));
    try {
      if (!statSync(folder).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
      accessSync(folder, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new ConnectionError(`cannot create the destination's folder: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    return;
  }
  const catalog = await ENGINE_PARTS[engine].catalog(resolved);
  try {
    await catalog.ping();
  } finally {
    await catalog.close();
  }
}
