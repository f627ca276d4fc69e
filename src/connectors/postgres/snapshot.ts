import type { Connection } from '../engines.js';
import { SnapshotEnded, type SourceSnapshot } from '../data.js';
import { connectPostgres } from './connect.js';
import { PostgresReader } from './reader.js';

/**
 * A job's snapshot of a PostgreSQL source, shared by every reader of the job in any process: a
 * transaction held open exports it (`pg_export_snapshot()`), and each reader's transaction imports
 * it (`SET TRANSACTION SNAPSHOT`), as pgcopydb and logical replication's initial sync do. A reader
 * that imported keeps its snapshot when the exporter ends; new readers can join only while it lives.
 */

/** Exports a snapshot of the source, held until `close`. */
export async function exportSnapshot(conn: Connection): Promise<SourceSnapshot> {
  const client = await connectPostgres(conn, { readOnly: true });
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const token = rows[0]!.id;
    let ended = false;
    client.on('error', () => (ended = true)); // the server ended the exporter: no reader can import its snapshot any more
    client.on('end', () => (ended = true));
    const alive = async () => !ended && (await client.query('SELECT 1').then(() => true, () => false));
    return { token, reader: () => PostgresReader.open(conn, token), alive, close: () => client.end().catch(() => {}) };
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
}

/** A reader in a snapshot another process exported; null when that snapshot has ended. */
export async function joinExported(conn: Connection, token: string): Promise<PostgresReader | null> {
  try {
    return await PostgresReader.open(conn, token);
  } catch (err) {
    if (err instanceof SnapshotEnded) return null;
    throw err;
  }
}
