import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ConnectionError } from '../connector.js';
import { openChecked } from '../open-file.js';
import { pinFolder, type PinnedFolder } from '../pinned.js';
import type { SliceProbe } from '../data.js';
import { FALLBACK_SCRATCH, scratchPath } from '../scratch.js';
import { duckdbResources, formatSize } from './resources.js';
import { quoteIdent } from '../sql.js';

export interface DuckSession {
  connection: DuckDBConnection;
  /** Rows of a query as plain objects; parameters bind as $1, $2, … */
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * `"catalog"."schema"[."table"]`, quoted: a schema named like the file's catalog (`sales` in
   * sales.duckdb) is otherwise ambiguous to DuckDB.
   */
  qualified(schema: string, table?: string): string;
  close(): void;
}

/** A slice's rows for verification: `from` over a DuckDB table, or over Parquet files (`parquet`). */
export function duckProbe(duck: DuckSession, from: string, dialect: 'duckdb' | 'parquet' = 'duckdb'): SliceProbe {
  return { dialect, from, query: async (sql) => (await duck.connection.runAndReadAll(sql)).getRows() };
}

/**
 * An instance's settings: the process's memory limit and threads (resources.ts), spilling to a
 * folder of its own in the connection's scratch folder (`key` names it: the same for every
 * session of one file, since DuckDB keeps one instance, with one configuration, per file).
 */
function engineSettings(scratch: string, key: string): Record<string, string> {
  const { memoryBytes, threads } = duckdbResources();
  return {
    memory_limit: formatSize(memoryBytes),
    // Rows of a slice are a set: keeping their order would cost memory for nothing.
    preserve_insertion_order: 'false',
    temp_directory: scratchPath(scratch, 'duckdb', key),
    threads: String(threads),
    // Everything the service needs is built in (Parquet, JSON); a file never makes DuckDB fetch or load code.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
}

/**
 * DuckDB files this process has open, each named to DuckDB through its folder pinned
 * (connectors/pinned.ts) for as long as any session of it is open: the WAL DuckDB writes beside
 * the file whenever it needs one lands in that folder, whatever is renamed in the file root
 * meanwhile. One name per file, so DuckDB's instance cache still hands out one instance per file.
 */
const heldFiles = new Map<string, { folder: PinnedFolder; sessions: number }>();

function holdFile(path: string): { name: string; release(): void } {
  let held = heldFiles.get(path);
  if (!held) {
    held = { folder: pinFolder(dirname(path)), sessions: 0 };
    heldFiles.set(path, held);
  }
  held.sessions++;
  const entry = held;
  return {
    name: join(held.folder.path, basename(path)),
    release() {
      if (--entry.sessions > 0) return;
      entry.folder.close();
      heldFiles.delete(path);
    },
  };
}

/**
 * A file opened to read is opened read-only, so reading a source never changes it (no WAL replay,
 * no checkpoint). DuckDB holds one configuration per file per process: when this process already
 * writes the file (a destination read back to verify it), its instance is shared. The open is
 * checked by what it opened (connectors/open-file.ts).
 */
async function fileInstance(path: string, name: string, readOnly: boolean, scratch: string): Promise<DuckDBInstance> {
  const settings = engineSettings(scratch, createHash('sha256').update(path).digest('hex').slice(0, 16));
  const cached = async () => {
    if (!readOnly) return DuckDBInstance.fromCache(name, settings);
    try {
      return await DuckDBInstance.fromCache(name, { ...settings, access_mode: 'READ_ONLY' });
    } catch (err) {
      if (!/different configuration/i.test((err as Error).message)) throw err;
      return DuckDBInstance.fromCache(name, settings);
    }
  };
  // The instance cache hands out a file this process holds already (open-file.ts `shared`).
  return openChecked(path, cached, (i) => i.closeSync(), { shared: true });
}

export interface DuckOptions {
  readOnly: boolean;
  /** The connection's scratch folder (Connection.scratch). */
  scratch?: string;
}

/**
 * Opens a DuckDB file, or with `:memory:` an engine of the session's own for scratch work (staging
 * lake files, reading Parquet), released with the session. A file is opened through DuckDB's
 * instance cache: one process may hold a file once, so every task writing to the same file shares
 * the instance through its own connection; it is released with the last of them.
 * `readOnly` sessions only ever read.
 */
export async function openDuck(path: string, { readOnly, scratch = FALLBACK_SCRATCH }: DuckOptions): Promise<DuckSession> {
  if (path === ':memory:') return session(await DuckDBInstance.create(':memory:', engineSettings(scratch, randomUUID().slice(0, 8))), () => {});
  if (readOnly && !existsSync(path)) throw new ConnectionError(`DuckDB file ${path} does not exist`);
  const file = holdFile(path);
  try {
    return session(await fileInstance(path, file.name, readOnly, scratch), file.release);
  } catch (err) {
    file.release();
    if (err instanceof ConnectionError) throw err;
    const message = (err as Error).message.replaceAll(file.name, path);
    // Another engine's file (SQLite, say): DuckDB would want an extension to read it, and none is ever loaded.
    if (/Extension .* not found/i.test(message)) throw new ConnectionError(`cannot open DuckDB file ${path}: it is not a DuckDB database file`);
    throw new ConnectionError(`cannot open DuckDB file ${path}: ${message}`);
  }
}

async function session(instance: DuckDBInstance, release: () => void): Promise<DuckSession> {
  const connection = await instance.connect();
  const catalog = String((await connection.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
  return {
    connection,
    qualified: (schema, table) => [catalog, schema, ...(table === undefined ? [] : [table])].map(quoteIdent).join('.'),
    async all<T>(sql: string, params: unknown[] = []) {
      const reader = await connection.runAndReadAll(sql, params as never);
      return reader.getRowObjectsJS() as T[];
    },
    close() {
      connection.closeSync();
      instance.closeSync();
      release();
    },
  };
}

export { quoteIdent, quoteLiteral } from '../sql.js';
