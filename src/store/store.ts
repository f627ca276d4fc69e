import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteDatabase, type SqliteStatement } from './sqlite-driver.js';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import type { StoreDialect } from './migrations/types.js';

export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /**
   * A text that changes whenever the store's contents may have (StoreCache), read before what it
   * labels. SQLite: the rows this connection changed, with the file's data version, which moves on
   * other connections' commits. PostgreSQL: the next transaction id, where no transaction is in
   * progress (any write takes an id, so while it stays the same nothing was written since); else a
   * text never given again.
   */
  version: () => string | Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens the metadata store named by a URL and brings its schema up to date.
 * `postgres://…` / `postgresql://…` selects PostgreSQL; `sqlite:<file>` (or a bare path) selects SQLite.
 */
export async function openStore(url: string): Promise<Store> {
  const store = /^postgres(ql)?:\/\//.test(url) ? openPostgres(url) : openSqlite(url.replace(/^sqlite:/, ''));
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * better-sqlite3 compiles a statement at every prepare, and Kysely prepares at every query; the
 * engine sends the same few hundred texts over and over, so compiled statements are kept (safe:
 * the store never streams, so no statement is still being read when its text comes again).
 */
function reusingStatements(database: SqliteDatabase): SqliteDialectConfig['database'] {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= 2000) statements.clear(); // texts with inlined lists vary without end
        statement = database.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

function openSqlite(file: string): Store {
  if (file !== ':memory:') {
    // The store holds every key and token hash: readable by the service's user only (SQLite gives its -wal and -shm files the same mode).
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  }
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(database) }) });
  // Prepared once: better-sqlite3's pragma() compiles its statement at every call.
  const dataVersion = database.prepare('PRAGMA data_version').pluck();
  const changes = database.prepare('SELECT total_changes()').pluck();
  const version = () => `${dataVersion.get()}:${changes.get()}`;
  return { db, dialect: 'sqlite', version, close: () => db.destroy() };
}

// int8 and numeric counts arrive as strings by default; our values (epoch ms, byte sizes) fit a double.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

function openPostgres(connectionString: string): Store {
  const pool = new pg.Pool({ connectionString, types: pgTypes, max: 10, connectionTimeoutMillis: 10_000 });
  // A connection the server ended (a restart, a failover) fails its next query and leaves the pool
  // (which then opens a new one); the 'error' event itself, unhandled, would end the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let busy = 0;
  const version = async () => {
    // Named: prepared once per connection, not parsed and planned at every call.
    const { rows } = await pool.query<{ lo: string; hi: string }>({ name: 'openmms-store-version', text: 'SELECT txid_snapshot_xmin(s)::text AS lo, txid_snapshot_xmax(s)::text AS hi FROM txid_current_snapshot() AS s' });
    // A transaction in progress may commit without a new id being taken: its writes would go unseen.
    return rows[0]!.lo === rows[0]!.hi ? rows[0]!.hi : `busy ${++busy}`;
  };
  return { db, dialect: 'postgres', version, close: () => db.destroy() };
}

async function migrate(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const what = failed ? `schema migration ${failed.migrationName} failed` : 'schema migration failed';
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** True when a write failed because a unique constraint already holds the value. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
