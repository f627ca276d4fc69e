// Bench data: the same mixed-type table in PostgreSQL and MariaDB, and a table of many partitions.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const PG_ADMIN = process.env.OPENMMS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

export async function pgExec(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

export function pgUrl(database: string): string {
  const u = new URL(PG_ADMIN);
  u.pathname = `/${database}`;
  return u.toString();
}

export const uniqueName = (prefix: string) => `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;

/**
 * Ints, decimals, text, timestamps, JSON and NULLs (a third of `note`), derived from the row number
 * so both engines hold the same values.
 */
const WIDE_PG = `CREATE TABLE wide (id bigint PRIMARY KEY, qty integer, price numeric(12,2), ratio double precision, name text, created timestamp, attrs jsonb, note text)`;
const wideRowsPg = (n: number) => `INSERT INTO wide
  SELECT g, g % 1000, (g % 100000) / 100.0, g / 7.0, 'customer-' || md5(g::text), timestamp '2020-01-01' + g * interval '1 second',
         jsonb_build_object('k', g % 17, 'tag', 't' || (g % 5)), CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ' || g END
  FROM generate_series(1, ${n}) g`;

/** A LIST-partitioned table of `partitions` partitions × `perPartition` rows (Hive-style days). */
async function partitionedTable(url: string, table: string, partitions: number, perPartition: number): Promise<void> {
  const parts = Array.from({ length: partitions }, (_, i) => `CREATE TABLE ${table}_${i} PARTITION OF ${table} FOR VALUES IN (${i});`);
  await pgExec(url, `CREATE TABLE ${table} (day integer, id bigint, kind text, amount numeric(10,2), at timestamp) PARTITION BY LIST (day)`);
  for (let i = 0; i < parts.length; i += 1000) await pgExec(url, parts.slice(i, i + 1000).join('\n'));
  await pgExec(url, `INSERT INTO ${table} SELECT g % ${partitions}, g, 'k' || (g % 11), (g % 5000) / 10.0, timestamp '2024-01-01' + g * interval '1 minute' FROM generate_series(1, ${partitions * perPartition}) g; ANALYZE ${table}`);
}

export async function createPgSource(rows: number, partitions: number, small: number): Promise<{ name: string; url: string; drop: () => Promise<unknown> }> {
  const name = uniqueName('openmms_bench_src');
  await pgExec(PG_ADMIN, `CREATE DATABASE ${name}`);
  const url = pgUrl(name);
  await pgExec(url, `${WIDE_PG}; ${wideRowsPg(rows)}; ANALYZE wide`);
  await partitionedTable(url, 'events', partitions, 1000);
  if (small > 0) await partitionedTable(url, 'small', small, 100);
  return { name, url, drop: () => pgExec(PG_ADMIN, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function createPgDestination(): Promise<{ name: string; url: string; drop: () => Promise<unknown> }> {
  const name = uniqueName('openmms_bench_dst');
  await pgExec(PG_ADMIN, `CREATE DATABASE ${name}`);
  return { name, url: pgUrl(name), drop: () => pgExec(PG_ADMIN, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The same rows in MariaDB (its sequence engine generates them). */
export async function createMariaSource(rows: number): Promise<{ name: string; drop: () => Promise<unknown> }> {
  const name = uniqueName('openmms_bench_src');
  const c = await mysql.createConnection({ ...MARIADB, multipleStatements: true });
  try {
    await c.query(`CREATE DATABASE ${name}; USE ${name};
      CREATE TABLE wide (id bigint PRIMARY KEY, qty int, price decimal(12,2), ratio double, name text, created datetime, attrs json, note text);
      INSERT INTO wide SELECT seq, seq % 1000, (seq % 100000) / 100.0, seq / 7.0, CONCAT('customer-', MD5(seq)), TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq SECOND,
        JSON_OBJECT('k', seq % 17, 'tag', CONCAT('t', seq % 5)), IF(seq % 3 = 0, NULL, CONCAT('note ', seq)) FROM seq_1_to_${rows};
      ANALYZE TABLE wide;`);
  } finally {
    await c.end();
  }
  return {
    name,
    drop: async () => {
      const d = await mysql.createConnection(MARIADB);
      await d.query(`DROP DATABASE IF EXISTS ${name}`);
      await d.end();
    },
  };
}

/** Bytes the table takes at the source (PostgreSQL heap + TOAST), the "MB" of the table. */
export async function pgTableBytes(url: string, table: string): Promise<number> {
  const r = await pgExec(url, `SELECT coalesce(sum(pg_table_size(c.oid)), 0)::bigint AS n FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
    WHERE c.relname = '${table}' OR i.inhparent = '${table}'::regclass`);
  return Number(r.rows[0].n);
}
