import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store.js';

/** Server-level PostgreSQL URL the tests create their own databases on. */
export const PG_ADMIN_URL = process.env.OPENMMS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestStore {
  kind: 'sqlite' | 'postgres';
  url: string;
  store: Store;
  drop(): Promise<void>;
}

export type StoreKind = TestStore['kind'];
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres'];

/** A fresh, migrated metadata store: a temp SQLite file, or a uniquely named PostgreSQL database. */
export async function createTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'openmms-test-'));
    const url = `sqlite:${join(dir, 'store.sqlite')}`;
    const store = await openStore(url);
    return { kind, url, store, drop: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const { url, drop } = await createPgDatabase('openmms_test');
  const store = await openStore(url);
  return { kind, url, store, drop: async () => { await store.close(); await drop(); } };
}

/** OpenMMS connection settings for a PostgreSQL URL. */
export function pgConnection(url: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), database: u.pathname.slice(1) };
}

/** Creates a PostgreSQL database with a unique name; `drop` removes it again. */
export async function createPgDatabase(prefix: string) {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, conn: pgConnection(url.toString()), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Runs SQL on a PostgreSQL database through its own connection; the rows as objects. */
export async function pgQuery(url: string, sql: string): Promise<any[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}
