import { outOfMemoryHint } from '../connectors/duckdb/resources.js';

/**
 * Transient failures (a dropped connection, a deadlock, a server restarting) are retried with
 * backoff; anything else is the user's to fix, so it fails at once with a readable hint.
 */
const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'PROTOCOL_CONNECTION_LOST', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT',
  '40001', '40P01', '57P01', '57P02', '57P03', '08000', '08003', '08006', '53300', 'SQLITE_BUSY',
  // Another worker's DDL on the same destination won a race: trying again finds it done.
  '42P07', '42701', 'ER_TABLE_EXISTS_ERROR', 'ER_DUP_FIELDNAME',
  // The job's shared snapshot ended under the task: the next try reads in a new one.
  'SNAPSHOT_ENDED',
]);

export function isTransient(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  // pg and mysql2 say the first ones when a query is sent on a connection the server ended; then
  // writers of one file colliding (DuckDB's catalog, SQLite's lock): the next try gets its turn;
  // last DuckDB out of memory: the next try starts with an instance of its own.
  return (
    typeof e?.message === 'string' &&
    (/Connection terminated|connection lost|socket hang up|timeout expired|has encountered a connection error|connection is in closed state|write-write conflict|database is locked/i.test(e.message) ||
      outOfMemoryHint(e.message) !== null)
  );
}

export const MAX_ATTEMPTS = 3;

/** Seconds to wait before attempt `n` (1-based) of a task: 2, 4, 8 … */
export const backoffMs = (attempt: number) => 2 ** attempt * 1000;

/** A hint for the common permanent failures. */
export function hint(err: unknown): string {
  // PostgreSQL says where a statement failed, innermost first (`JSON data, line 1: …`, then
  // `COPY t, line 3, column j: "…"`): the table, row and column.
  const where = (err as { where?: unknown } | null)?.where;
  const at = typeof where === 'string' ? where.split('\n').filter(Boolean).map((l) => l.slice(0, 160)).join('; ') : '';
  const m = (err instanceof Error ? err.message : String(err)) + (at ? ` (at ${at})` : '');
  const memory = outOfMemoryHint(m);
  if (memory) return memory;
  if (/permission denied|access denied/i.test(m)) return `${m} (hint: grant the data source's user read access at the source and write access at the destination)`;
  if (/does not exist|unknown (table|database)|no such table/i.test(m)) return `${m} (hint: the source changed since the last scan; scan it again, then retry)`;
  if (/invalid byte sequence for encoding "UTF8": 0x00/.test(m)) return `${m} (hint: PostgreSQL text cannot hold NUL characters; remove them at the source, or copy the column into bytea)`;
  if (/out of range|too long|overflow|invalid input syntax/i.test(m)) return `${m} (hint: a value does not fit the destination column type; check the type mapping of this table)`;
  return m;
}
