import pg from 'pg';
import { CONNECT_TIMEOUT_MS, ConnectionError } from '../connector.js';
import { SnapshotEnded } from '../data.js';
import type { Connection } from '../engines.js';
import { quoteIdent, quoteLiteral } from '../sql.js';

/** Opens one client; read-only sessions cannot write even by mistake. Failures become ConnectionErrors. */
export async function connectPostgres(conn: Connection, { readOnly }: { readOnly: boolean }): Promise<pg.Client> {
  const client = new pg.Client({
    host: conn.host,
    port: conn.port ?? 5432,
    user: conn.user,
    password: conn.password,
    database: conn.database,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'openmms',
    // The connection goes to the address the sandbox checked; the certificate must name the host given.
    ...(conn.options?.ssl === true && { ssl: { rejectUnauthorized: conn.options.sslRejectUnauthorized !== false, ...(conn.tlsName && { servername: conn.tlsName }) } }),
  });
  client.on('error', () => {}); // a dropped connection surfaces on the next query
  try {
    await client.connect();
    if (readOnly) await client.query('SET default_transaction_read_only = on');
  } catch (err) {
    await client.end().catch(() => {});
    throw new ConnectionError(`cannot connect to PostgreSQL at ${conn.host}:${conn.port ?? 5432}/${conn.database}: ${(err as Error).message}`, err);
  }
  return client;
}

/** Makes the client's transaction (begun, repeatable read, nothing read yet) see an exported `snapshot` (snapshot.ts). */
export async function joinSnapshot(client: pg.Client, snapshot: string): Promise<void> {
  try {
    await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshot)}`);
  } catch (err) {
    // 22023 invalid_parameter_value: "invalid snapshot identifier" (its exporter has ended).
    if ((err as { code?: string }).code === '22023') throw new SnapshotEnded(`the job's snapshot ${snapshot} ended while the task ran; it will read in a new one`);
    throw err;
  }
}

/** `"schema"."table"`, every identifier quoted. */
export function qualified(...names: string[]): string {
  return names.map(quoteIdent).join('.');
}

export { quoteIdent } from '../sql.js';
