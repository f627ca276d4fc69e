import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ConnectionError } from '../connector.js';

export interface DuckSession {
  connection: DuckDBConnection;
  /** Rows of a query as plain objects; parameters bind as $1, $2, … */
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): void;
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
  };
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
    instance = path === ':memory:' ? await scratchInstance() : await DuckDBInstance.fromCache(path, engineSettings());
  } catch (err) {
    throw new ConnectionError(`cannot open DuckDB file ${path}: ${(err as Error).message}`);
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
