import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ConnectionError } from '../connector.js';
import type { SliceProbe } from '../data.js';

export interface DuckSession {
  connection: DuckDBConnection;
  /** Rows of a query as plain objects; parameters bind as $1, $2, … */
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): void;
}

/** A slice's rows for verification: `from` over a DuckDB table, or over Parquet files (`parquet`). */
export function duckProbe(duck: DuckSession, from: string, dialect: 'duckdb' | 'parquet' = 'duckdb'): SliceProbe {
  return { dialect, from, query: async (sql) => (await duck.connection.runAndReadAll(sql)).getRows() };
}

/**
 * DuckDB takes 80% of the machine's memory by default; a copy stages whole slices in it. A small
 * limit makes it spill to a temporary folder instead, so the service stays small however large
 * the slice (OPENMMS_DUCKDB_MEMORY, e.g. '1GB', for more speed where memory is plentiful).
 */
function engineSettings(): Record<string, string> {
  return {
    memory_limit: process.env.OPENMMS_DUCKDB_MEMORY ?? '48MB',
    // Rows of a slice are a set: keeping their order would cost memory for nothing.
    preserve_insertion_order: 'false',
    temp_directory: join(tmpdir(), `openmms-duckdb-${process.pid}`),
    threads: process.env.OPENMMS_DUCKDB_THREADS ?? '2',
    // Everything the service needs is built in (Parquet, JSON); a file never makes DuckDB fetch or load code.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
}

/**
 * A file opened to read is opened read-only, so reading a source never changes it (no WAL replay,
 * no checkpoint). DuckDB holds one configuration per file per process: when this process already
 * writes the file (a destination read back to verify it), its instance is shared.
 */
async function fileInstance(path: string, readOnly: boolean): Promise<DuckDBInstance> {
  if (!readOnly) return DuckDBInstance.fromCache(path, engineSettings());
  try {
    return await DuckDBInstance.fromCache(path, { ...engineSettings(), access_mode: 'READ_ONLY' });
  } catch (err) {
    if (!/different configuration/i.test((err as Error).message)) throw err;
    return DuckDBInstance.fromCache(path, engineSettings());
  }
}

/** One in-memory engine for the process's scratch work (staging lake files, reading Parquet), shared under one memory limit. */
let scratch: DuckDBInstance | null = null;
async function scratchInstance(): Promise<DuckDBInstance> {
  scratch ??= await DuckDBInstance.create(':memory:', engineSettings());
  return scratch;
}

/**
 * Opens a DuckDB file (or `:memory:` for a connection to the scratch engine, e.g. to read Parquet). A file is opened
 * through DuckDB's instance cache: one process may hold a file once, so every task writing to the
 * same file shares the instance through its own connection. `readOnly` sessions only ever read.
 */
export async function openDuck(path: string, { readOnly }: { readOnly: boolean }): Promise<DuckSession> {
  if (path !== ':memory:' && readOnly && !existsSync(path)) throw new ConnectionError(`DuckDB file ${path} does not exist`);
  let instance: DuckDBInstance;
  try {
    instance = path === ':memory:' ? await scratchInstance() : await fileInstance(path, readOnly);
  } catch (err) {
    const message = (err as Error).message;
    // Another engine's file (SQLite, say): DuckDB would want an extension to read it, and none is ever loaded.
    if (/Extension .* not found/i.test(message)) throw new ConnectionError(`cannot open DuckDB file ${path}: it is not a DuckDB database file`);
    throw new ConnectionError(`cannot open DuckDB file ${path}: ${message}`);
  }
  const connection = await instance.connect();
  return {
    connection,
    async all<T>(sql: string, params: unknown[] = []) {
      const reader = await connection.runAndReadAll(sql, params as never);
      return reader.getRowObjectsJS() as T[];
    },
    close() {
      connection.closeSync();
      if (instance !== scratch) instance.closeSync();
    },
  };
}

export { quoteIdent, quoteLiteral } from '../sql.js';
