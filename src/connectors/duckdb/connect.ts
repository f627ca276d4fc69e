import { existsSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ConnectionError } from '../connector.js';

export interface DuckSession {
  connection: DuckDBConnection;
  /** Rows of a query as plain objects; parameters bind as $1, $2, … */
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): void;
}

/**
 * Opens a DuckDB file (or `:memory:` for a scratch engine, e.g. to read Parquet). A file is opened
 * through DuckDB's instance cache: one process may hold a file once, so every task writing to the
 * same file shares the instance through its own connection. `readOnly` sessions only ever read.
 */
export async function openDuck(path: string, { readOnly }: { readOnly: boolean }): Promise<DuckSession> {
  if (path !== ':memory:' && readOnly && !existsSync(path)) throw new ConnectionError(`DuckDB file ${path} does not exist`);
  let instance: DuckDBInstance;
  try {
    instance = path === ':memory:' ? await DuckDBInstance.create(path) : await DuckDBInstance.fromCache(path);
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
      instance.closeSync();
    },
  };
}

export { quoteIdent, quoteLiteral } from '../sql.js';
