import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * better-sqlite3 for the running Node.js. Version 13 (a prebuilt Node-API addon) needs Node ≥ 22 and
 * crashes Node 20; version 12 (compiled for one Node ABI) aborts Node 24 at exit, its destructors
 * running after Node's environment is gone. package.json installs both as optional dependencies,
 * 12 under the alias better-sqlite3-node20, and npm leaves out 13 on Node 20.
 */
function load(): typeof BetterSqlite3 {
  const name = Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20';
  try {
    return createRequire(import.meta.url)(name) as typeof BetterSqlite3;
  } catch (err) {
    throw new Error(`the SQLite driver for Node ${process.version} (${name}) is not installed or not built: run npm ci with this Node (${(err as Error).message})`);
  }
}

export const SqliteDatabase = load();
export type SqliteDatabase = BetterSqlite3.Database;
export type SqliteStatement = BetterSqlite3.Statement;
