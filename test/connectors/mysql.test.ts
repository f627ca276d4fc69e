import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlCatalog } from '../../src/connectors/mysql/catalog.js';
import { allPartitions } from '../support/catalog.js';
import { MysqlReader } from '../../src/connectors/mysql/reader.js';
import { collect } from '../support/rows.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';

describe('MariaDB catalog and reader', () => {
  let db: Awaited<ReturnType<typeof createMariaDatabase>>;
  const open = () => MysqlCatalog.open({ ...MARIADB, database: db.name });

  beforeAll(async () => {
    db = await createMariaDatabase('openmms_mycat');
    await db.admin.query(`
      CREATE TABLE every_type (
        ti tinyint, tiu tinyint unsigned, b1 tinyint(1), si smallint, siu smallint unsigned, mi mediumint, i int NOT NULL,
        iu int unsigned, bi bigint, biu bigint unsigned, f float, d double, dec1 decimal(12,3), bt bit(1), bt8 bit(8),
        c char(3), vc varchar(20), tt tinytext, t text, lt longtext, e enum('a','b'), st set('x','y'),
        bn binary(4), vb varbinary(10), bl blob, dt date, dtm datetime, dtm6 datetime(6), ts timestamp NULL, tm time, y year
      ) COMMENT 'all the types';
      INSERT INTO every_type (i) VALUES (1), (2), (3);
      CREATE TABLE sales (id int, region varchar(8), amount decimal(10,2))
        PARTITION BY LIST COLUMNS (region) (PARTITION p_eu VALUES IN ('eu'), PARTITION p_us VALUES IN ('us', 'ca'), PARTITION p_odd VALUES IN ('it''s'));
      INSERT INTO sales VALUES (1, 'eu', 1.5), (2, 'eu', 2), (3, 'us', 3), (4, 'it''s', 4);
      CREATE TABLE events (id int, y int) PARTITION BY RANGE (y) (PARTITION p2023 VALUES LESS THAN (2024), PARTITION p2024 VALUES LESS THAN (2025), PARTITION pmax VALUES LESS THAN MAXVALUE);
      INSERT INTO events VALUES (1, 2023), (2, 2024), (3, 2024), (4, 2099);
      CREATE TABLE hashed (id int) PARTITION BY HASH (id) PARTITIONS 2;
      INSERT INTO hashed VALUES (1), (2), (3);
    `);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('lists only the configured database', async () => {
    const cat = await open();
    try {
      expect(await cat.databases()).toEqual([db.name]);
    } finally {
      await cat.close();
    }
  });

  it('reads every column type with exact row counts', async () => {
    const cat = await open();
    try {
      const tables = await cat.tables(db.name);
      expect(tables.map((t) => t.name)).toEqual(['events', 'every_type', 'hashed', 'sales']);
      const every = tables.find((t) => t.name === 'every_type')!;
      expect(every).toMatchObject({ comment: 'all the types', rows: 3 });
      expect(every.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
        'ti:int8', 'tiu:int16', 'b1:int8', 'si:int16', 'siu:int32', 'mi:int32', 'i:int32', 'iu:int64', 'bi:int64',
        'biu:decimal(20,0)', 'f:float32', 'd:float64', 'dec1:decimal(12,3)', 'bt:boolean', 'bt8:int64', 'c:char(3)',
        'vc:varchar(20)', 'tt:string', 't:string', 'lt:string', 'e:string', 'st:string', 'bn:binary', 'vb:binary',
        'bl:binary', 'dt:date', 'dtm:timestamp(0)', 'dtm6:timestamp(6)', 'ts:timestamptz(0)', 'tm:time', 'y:int16',
      ]);
      expect(every.columns.find((c) => c.name === 'i')!.nullable).toBe(false);
    } finally {
      await cat.close();
    }
  });

  it('reads LIST, RANGE and HASH partitions', async () => {
    const cat = await open();
    try {
      const tables = await cat.tables(db.name);
      const byName = (n: string) => tables.find((t) => t.name === n)!;
      expect(byName('sales').partitionColumns.map((c) => c.name)).toEqual(['region']);
      expect((await allPartitions(cat, db.name, byName('sales'))).map((p) => [p.location, p.spec, p.rows])).toEqual([
        ['p_eu', [['region', 'eu']], 2],
        ['p_us', [['region', 'us,ca']], 1],
        ['p_odd', [['region', "it's"]], 1],
      ]);
      expect((await allPartitions(cat, db.name, byName('events'))).map((p) => [p.location, p.spec, p.rows])).toEqual([
        ['p2023', [['y', 'MINVALUE']], 1],
        ['p2024', [['y', '2024']], 2],
        ['pmax', [['y', '2025']], 1],
      ]);
      expect((await allPartitions(cat, db.name, byName('hashed'))).map((p) => [p.location, p.spec])).toEqual([
        ['p0', [['_partition', 'p0']]],
        ['p1', [['_partition', 'p1']]],
      ]);
    } finally {
      await cat.close();
    }
  });

  it('changes a partition fingerprint when a value changes, even with the same row count', async () => {
    const cat = await open();
    try {
      const [sales] = await cat.tables(db.name, ['sales']);
      const before = await allPartitions(cat, db.name, sales!);
      await db.admin.query(`UPDATE sales SET amount = 2.01 WHERE id = 2`);
      const after = await allPartitions(cat, db.name, sales!);
      expect(after.filter((p, i) => p.fingerprint !== before[i]!.fingerprint).map((p) => p.location)).toEqual(['p_eu']);
    } finally {
      await cat.close();
    }
  });

  it('reads DOUBLE and FLOAT values bit for bit (the driver would round some in the last bit)', async () => {
    await db.admin.query('CREATE TABLE floats (id int PRIMARY KEY, d double, f float)');
    let seed = 7;
    const bits = new DataView(new ArrayBuffer(8));
    const randomDouble = () => {
      // Random bit patterns cover every exponent, not just the easy middle of the range.
      for (let i = 0; i < 8; i++) bits.setUint8(i, (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff);
      const v = bits.getFloat64(0);
      return Number.isFinite(v) ? v : 1.5;
    };
    const rows = Array.from({ length: 2000 }, (_, i) => [i, randomDouble(), Math.fround(randomDouble() % 3.4e38)]);
    rows.push([2000, 0.30000000000000004, Math.fround(0.1)], [2001, 5e-324, Math.fround(16777217)], [2002, 1.7976931348623157e308, 3.4028234663852886e38]);
    for (const r of rows) await db.admin.execute('INSERT INTO floats VALUES (?, ?, ?)', r); // binary protocol: sent exactly
    const reader = await MysqlReader.open({ ...MARIADB, database: db.name });
    try {
      const columns = [{ name: 'id', type: { kind: 'int32' } }, { name: 'd', type: { kind: 'float64' } }, { name: 'f', type: { kind: 'float32' } }] as const;
      const back = (await collect(reader.read(db.name, 'floats', [...columns], null))).sort((a, b) => (a[0] as number) - (b[0] as number));
      // === is exact for doubles; it only lets -0 equal 0, which MariaDB stores as 0 anyway.
      const mismatches = back.filter((r, i) => r[1] !== rows[i]![1] || r[2] !== rows[i]![2]);
      expect(mismatches.slice(0, 5).map((r) => [r, rows[r[0] as number]])).toEqual([]);
      expect(back).toHaveLength(rows.length);
    } finally {
      await reader.close();
    }
  });

  it('lets go of a read stopped early, at once', async () => {
    await db.admin.query('CREATE TABLE many (id int) SELECT seq AS id FROM seq_1_to_50000');
    const reader = await MysqlReader.open({ ...MARIADB, database: db.name });
    let batches = 0;
    for await (const _ of reader.read(db.name, 'many', [{ name: 'id', type: { kind: 'int32' } }], null)) {
      if (++batches === 2) break;
    }
    await reader.close();
    expect(batches).toBe(2);
  });

  it('reads one partition', async () => {
    const reader = await MysqlReader.open({ ...MARIADB, database: db.name });
    try {
      const rows = await collect(reader.read(db.name, 'events', [{ name: 'id', type: { kind: 'int32' } }, { name: 'y', type: { kind: 'int32' } }], { value: 'y=2024', location: 'p2024', spec: [['y', '2024']] }));
      expect(rows).toEqual([[2, 2024], [3, 2024]]);
    } finally {
      await reader.close();
    }
  });

  it('fails fast with a clear error on a bad password or database', async () => {
    await expect(MysqlCatalog.open({ ...MARIADB, password: 'wrong-pass', database: db.name })).rejects.toThrow(/cannot connect to MySQL\/MariaDB at 127.0.0.1:3306\/.*Access denied/);
    await expect(MysqlCatalog.open({ ...MARIADB, database: 'no_such_db_x' })).rejects.toThrow(/Unknown database/);
  });
});
