import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck } from '../../src/connectors/duckdb/connect.js';
import { openCatalog } from '../../src/connectors/index.js';
import { allPartitions } from '../support/catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'openmms-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite catalog', () => {
  beforeAll(() => {
    const db = new SqliteDatabase(join(dir, 'src.sqlite'));
    db.exec(`CREATE TABLE people (id INTEGER NOT NULL, name TEXT, score REAL, price DECIMAL(10,2), photo BLOB, born DATE, seen TIMESTAMP, ok BOOLEAN, doc JSON, misc);
             INSERT INTO people (id, name) VALUES (1, 'a'), (2, 'b');`);
    db.close();
  });

  it('reads tables, types and counts from a file, given its path', async () => {
    const cat = await openCatalog('SQLITE', { path: join(dir, 'src.sqlite') });
    try {
      expect(await cat.databases()).toEqual(['main']);
      const [people] = await cat.tables('main');
      expect(people!.rows).toBe(2);
      expect(people!.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
        'id:int64', 'name:string', 'score:float64', 'price:decimal(10,2)', 'photo:binary', 'born:date', 'seen:timestamp(6)', 'ok:boolean', 'doc:json', 'misc:binary',
      ]);
      expect(people!.columns[0]!.nullable).toBe(false);
    } finally {
      await cat.close();
    }
  });

  it('changes the fingerprint when a value changes', async () => {
    const read = async () => {
      const cat = await openCatalog('SQLITE', { path: join(dir, 'src.sqlite') });
      const [t] = await cat.tables('main');
      await cat.close();
      return t!.fingerprint;
    };
    const before = await read();
    expect(await read()).toBe(before);
    const db = new SqliteDatabase(join(dir, 'src.sqlite'));
    db.exec(`UPDATE people SET name = 'c' WHERE id = 2`);
    db.close();
    expect(await read()).not.toBe(before);
  });

  it('refuses a missing file clearly', async () => {
    await expect(openCatalog('SQLITE', { path: join(dir, 'missing.sqlite') })).rejects.toThrow(/SQLite file .*missing.sqlite does not exist/);
  });
});

describe('DuckDB catalog', () => {
  beforeAll(async () => {
    const duck = await openDuck(join(dir, 'src.duckdb'), { readOnly: false });
    await duck.all(`CREATE SCHEMA sales; CREATE TABLE sales.t (a INTEGER, b VARCHAR, c DECIMAL(18,4), d TIMESTAMPTZ, e INTEGER[], s STRUCT(x INTEGER, "y z" VARCHAR), m MAP(VARCHAR, BIGINT), h HUGEINT, u UUID, bl BLOB);
                    INSERT INTO sales.t (a, b) VALUES (1, 'x'), (2, NULL), (3, 'z');`);
    duck.close();
  });

  it('reads schemas as databases, types and counts', async () => {
    const cat = await openCatalog('DUCKDB', { path: join(dir, 'src.duckdb') });
    try {
      expect(await cat.databases()).toEqual(['main', 'sales']);
      const [t] = await cat.tables('sales');
      expect(t!.rows).toBe(3);
      expect(t!.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
        'a:int32', 'b:string', 'c:decimal(18,4)', 'd:timestamptz(6)', 'e:array<int32>', 's:struct<x:int32,y z:string>',
        'm:map<string,int64>', 'h:decimal(39,0)', 'u:uuid', 'bl:binary',
      ]);
    } finally {
      await cat.close();
    }
  });
});

describe('Hive-layout lake catalog', () => {
  const lake = join(dir, 'lake');
  beforeAll(async () => {
    const duck = await openDuck(':memory:', { readOnly: false });
    const write = async (rel: string, sql: string) => {
      mkdirSync(join(lake, rel, '..'), { recursive: true });
      await duck.all(`COPY (${sql}) TO '${join(lake, rel)}' (FORMAT PARQUET)`);
    };
    // Written the way Spark/Hive lay tables out, with a URL-escaped value and marker files.
    await write('events/dt=2024-01-01/part-0.parquet', `SELECT i AS id, 'a' || i AS name FROM range(3) t(i)`);
    await write('events/dt=2024-01-01/part-1.parquet', `SELECT i AS id, 'b' AS name FROM range(2) t(i)`);
    await write('events/dt=2024-01-02/part-0.parquet', `SELECT 7::BIGINT AS id, 'c' AS name`);
    await write('events/dt=2024-01%2F03/part-0.parquet', `SELECT 8::BIGINT AS id, 's' AS name`);
    writeFileSync(join(lake, 'events', '_SUCCESS'), '');
    mkdirSync(join(lake, 'events', '_temporary'), { recursive: true });
    await write('sales.db/orders/region=eu/year=2024/part-0.parquet', `SELECT 1 AS id, 9.5::DECIMAL(10,2) AS amount`);
    await write('sales.db/orders/region=us/year=2023/part-0.parquet', `SELECT 2 AS id, 1.0::DECIMAL(10,2) AS amount`);
    await write('sales.db/flat/data.parquet', `SELECT 1 AS x UNION ALL SELECT 2`);
    duck.close();
  });

  it('finds databases and tables the Hive way', async () => {
    const cat = await openCatalog('LAKE', { path: lake });
    try {
      expect(await cat.databases()).toEqual(['default', 'sales']);
      expect((await cat.tables('default')).map((t) => t.name)).toEqual(['events']);
      const sales = await cat.tables('sales');
      expect(sales.map((t) => [t.name, t.partitionColumns.map((c) => `${c.name}:${c.type}`), t.rows])).toEqual([
        ['flat', [], 2],
        ['orders', ['region:string', 'year:int64'], 0],
      ]);
      expect(sales[1]!.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:int32', 'amount:decimal(10,2)']);
    } finally {
      await cat.close();
    }
  });

  it('reads partitions from folders, decoding escaped values, rows from the footers', async () => {
    const cat = await openCatalog('LAKE', { path: lake });
    try {
      const [events] = await cat.tables('default');
      expect(events!.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:int64', 'name:string']);
      const parts = await allPartitions(cat, 'default', events!);
      expect(parts.map((p) => [p.location, p.spec, p.rows])).toEqual([
        ['dt=2024-01%2F03', [['dt', '2024-01/03']], 1],
        ['dt=2024-01-01', [['dt', '2024-01-01']], 5],
        ['dt=2024-01-02', [['dt', '2024-01-02']], 1],
      ]);
      expect(parts.every((p) => p.size > 0 && p.lastModified! > 0)).toBe(true);
    } finally {
      await cat.close();
    }
  });
});
