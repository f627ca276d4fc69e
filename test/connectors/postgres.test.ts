import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCatalog } from '../../src/connectors/postgres/catalog.js';
import { allPartitions } from '../support/catalog.js';
import { createPgDatabase } from '../support/stores.js';

describe('PostgreSQL catalog', () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  let admin: pg.Client;
  let conn: { host: string; port: number; user: string; database: string };

  beforeAll(async () => {
    database = await createPgDatabase('openmms_pgcat');
    conn = database.conn;
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`
      CREATE SCHEMA shop;
      CREATE TABLE shop.every_type (
        b boolean, i2 smallint, i4 integer NOT NULL, i8 bigint, f4 real, f8 double precision,
        n numeric(12,3), nn numeric, m money, vc varchar(20), c char(3), t text, by bytea, d date,
        tm time, tmz time with time zone, ts timestamp, ts3 timestamp(3), tz timestamptz, j json, jb jsonb,
        u uuid, iv interval, arr integer[], tarr text[], ip inet
      );
      COMMENT ON TABLE shop.every_type IS 'all the types';
      INSERT INTO shop.every_type (i4) VALUES (1), (2);
      CREATE TABLE shop.orders (id bigint, region text, dt date, amount numeric(10,2)) PARTITION BY LIST (region);
      CREATE TABLE shop.orders_eu PARTITION OF shop.orders FOR VALUES IN ('eu') PARTITION BY RANGE (dt);
      CREATE TABLE shop.orders_eu_2024_01 PARTITION OF shop.orders_eu FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
      CREATE TABLE shop.orders_eu_2024_02 PARTITION OF shop.orders_eu FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
      CREATE TABLE shop.orders_us PARTITION OF shop.orders FOR VALUES IN ('us', 'ca');
      CREATE TABLE shop.orders_other PARTITION OF shop.orders DEFAULT;
      INSERT INTO shop.orders VALUES (1, 'eu', '2024-01-05', 1.5), (2, 'eu', '2024-01-06', 2), (3, 'eu', '2024-02-01', 3),
        (4, 'us', '2024-01-01', 4), (5, 'br', '2024-01-01', 5), (6, 'it''s', '2024-01-01', 6);
      CREATE SCHEMA "odd ""schema""";
      CREATE TABLE "odd ""schema"""."we;ird" (x int);
    `);
  });
  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });

  it('lists schemas as databases, without system schemas', async () => {
    const cat = await PostgresCatalog.open(conn);
    try {
      expect(await cat.databases()).toEqual(['odd "schema"', 'public', 'shop']);
    } finally {
      await cat.close();
    }
  });

  it('reads columns with native and logical types, and exact row counts', async () => {
    const cat = await PostgresCatalog.open(conn);
    try {
      const tables = await cat.tables('shop');
      expect(tables.map((t) => t.name)).toEqual(['every_type', 'orders']);
      const every = tables[0]!;
      expect(every.comment).toBe('all the types');
      expect(every.rows).toBe(2);
      expect(every.size).toBeGreaterThan(0);
      expect(every.columns.map((c) => [c.name, c.nativeType, c.type])).toEqual([
        ['b', 'boolean', 'boolean'], ['i2', 'smallint', 'int16'], ['i4', 'integer', 'int32'], ['i8', 'bigint', 'int64'],
        ['f4', 'real', 'float32'], ['f8', 'double precision', 'float64'], ['n', 'numeric(12,3)', 'decimal(12,3)'],
        ['nn', 'numeric', 'string'], ['m', 'money', 'decimal(19,2)'], ['vc', 'character varying(20)', 'varchar(20)'],
        ['c', 'character(3)', 'char(3)'], ['t', 'text', 'string'], ['by', 'bytea', 'binary'], ['d', 'date', 'date'],
        ['tm', 'time without time zone', 'time'], ['tmz', 'time with time zone', 'timetz'],
        ['ts', 'timestamp without time zone', 'timestamp(6)'], ['ts3', 'timestamp(3) without time zone', 'timestamp(3)'],
        ['tz', 'timestamp with time zone', 'timestamptz(6)'], ['j', 'json', 'json'], ['jb', 'jsonb', 'json'], ['u', 'uuid', 'uuid'],
        ['iv', 'interval', 'interval'], ['arr', 'integer[]', 'array<int32>'], ['tarr', 'text[]', 'array<string>'], ['ip', 'inet', 'string'],
      ]);
      expect(every.columns.find((c) => c.name === 'i4')!.nullable).toBe(false);
      expect(tables[1]!.partitionColumns.map((c) => c.name)).toEqual(['region']);
    } finally {
      await cat.close();
    }
  });

  it('walks multi-level LIST/RANGE partitions down to the leaves', async () => {
    const cat = await PostgresCatalog.open(conn);
    try {
      const [orders] = await cat.tables('shop', ['orders']);
      const parts = await allPartitions(cat, 'shop', orders!);
      expect(parts.map((p) => [p.location, p.spec, p.rows])).toEqual([
        ['orders_eu_2024_01', [['region', 'eu'], ['dt', '2024-01-01']], 2],
        ['orders_eu_2024_02', [['region', 'eu'], ['dt', '2024-02-01']], 1],
        ['orders_other', [['region', 'DEFAULT']], 2],
        ['orders_us', [['region', 'us,ca']], 1],
      ]);
    } finally {
      await cat.close();
    }
  });

  it('changes a fingerprint exactly when content changes', async () => {
    const cat = await PostgresCatalog.open(conn);
    try {
      const [orders] = await cat.tables('shop', ['orders']);
      const before = await allPartitions(cat, 'shop', orders!);
      await admin.query(`UPDATE shop.orders SET amount = 9 WHERE id = 4`);
      await admin.query(`DELETE FROM shop.orders WHERE id = 3`);
      const after = await allPartitions(cat, 'shop', orders!);
      const changed = after.filter((p, i) => p.fingerprint !== before[i]!.fingerprint).map((p) => p.location);
      expect(changed).toEqual(['orders_eu_2024_02', 'orders_us']);
    } finally {
      await cat.close();
    }
  });

  it('quotes hostile names', async () => {
    const cat = await PostgresCatalog.open(conn);
    try {
      const [t] = await cat.tables('odd "schema"');
      expect(t).toMatchObject({ name: 'we;ird', rows: 0 });
    } finally {
      await cat.close();
    }
  });

  it('fails fast with a clear error on a bad database or password', async () => {
    await expect(PostgresCatalog.open({ ...conn, database: 'no_such_db_x' })).rejects.toThrow(/cannot connect to PostgreSQL .*no_such_db_x.*does not exist/);
    await expect(PostgresCatalog.open({ ...conn, host: '127.0.0.1', port: 1 })).rejects.toThrow(/cannot connect to PostgreSQL at 127.0.0.1:1/);
  });
});
