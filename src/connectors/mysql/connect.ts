import mysql from 'mysql2/promise';
import { CONNECT_TIMEOUT_MS, ConnectionError } from '../connector.js';
import type { Connection } from '../engines.js';

/** Opens one connection; a read-only session cannot write even by mistake. Failures become ConnectionErrors. */
export async function connectMysql(conn: Connection, { readOnly }: { readOnly: boolean }): Promise<mysql.Connection> {
  try {
    const c = await mysql.createConnection({
      host: conn.host,
      port: conn.port ?? 3306,
      user: conn.user,
      password: conn.password,
      database: conn.database,
      connectTimeout: CONNECT_TIMEOUT_MS,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      timezone: 'Z',
      charset: 'utf8mb4',
    });
    c.on('error', () => {}); // a dropped connection surfaces on the next query
    if (readOnly) await c.query('SET SESSION TRANSACTION READ ONLY');
    await c.query("SET SESSION time_zone = '+00:00'");
    return c;
  } catch (err) {
    const where = `${conn.host}:${conn.port ?? 3306}${conn.database ? `/${conn.database}` : ''}`;
    throw new ConnectionError(`cannot connect to MySQL/MariaDB at ${where}: ${(err as Error).message}`, err);
  }
}

/** `` `db`.`table` ``, every identifier quoted. */
export function qualified(...names: string[]): string {
  return names.map(quoteIdent).join('.');
}

export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
