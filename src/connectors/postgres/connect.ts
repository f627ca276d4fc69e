import pg from 'pg';
import { CONNECT_TIMEOUT_MS, ConnectionError } from '../connector.js';
import type { Connection } from '../engines.js';
import { quoteIdent } from '../sql.js';

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

/** `"schema"."table"`, every identifier quoted. */
export function qualified(...names: string[]): string {
  return names.map(quoteIdent).join('.');
}

export { quoteIdent } from '../sql.js';
