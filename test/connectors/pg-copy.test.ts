import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCatalog } from '../../src/connectors/postgres/catalog.js';
import { PostgresReader } from '../../src/connectors/postgres/reader.js';
import { PostgresWriter } from '../../src/connectors/postgres/writer.js';
import type { DataColumn, Row } from '../../src/connectors/data.js';
import { fromPostgres } from '../../src/connectors/postgres/types.js';
import { createPgDatabase } from '../support/stores.js';
import { collect } from '../support/rows.js';

describe('PostgreSQL reader and writer', () => {
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let admin: pg.Client;
  let conn: { host: string; port: number; user: string; database: string };

  beforeAll(async () => {
    src = await createPgDatabase('openmms_pgcopy');
    conn = src.conn;
    admin = new pg.Client({ connectionString: src.url });
    await admin.connect();
    await admin.query(`
      CREATE SCHEMA s;
      CREATE TABLE s.t (b boolean, i2 smallint, i8 bigint, f4 real, f8 double precision, n numeric(30,10), t text, by bytea,
                        d date, ts timestamp(6), tz timestamptz, j jsonb, u uuid, arr int[], iv interval);
      INSERT INTO s.t VALUES
        (true, -32768, -9223372036854775808, 3.4028235e38, 1.7976931348623157e308, '12345678901234567890.0123456789',
         E'Zürich 北京 🚀 tab\\there\\nnew line \\\\ back', '\\x00ff10', '2024-02-29', '2024-01-01 10:00:00.123456',
         '2024-01-01 10:00:00.5+02', '{"a": [1, 2, {"b": null}], "ü": "x"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,NULL,3}', '1 day 02:03:04'),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (false, 0, 9223372036854775807, 1.17549435e-38, 0.30000000000000004, '-0.0000000001', '', '\\x', '0001-01-01', '1970-01-01 00:00:00',
         '1970-01-01 00:00:00+00', '[]', '00000000-0000-0000-0000-000000000000', '{}', '-1 mons'),
        (NULL, NULL, NULL, 'NaN', '-Infinity', 'NaN', repeat('長', 300000), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    `);
  });
  afterAll(async () => {
    await admin?.end();
    await src?.drop();
  });

  async function columnsOf(table: string): Promise<DataColumn[]> {
    const cat = await PostgresCatalog.open(conn);
    const [meta] = await cat.tables('s', [table]);
    await cat.close();
    return meta!.columns.map((c) => ({ name: c.name, type: fromPostgres(c.nativeType), native: c.nativeType }));
  }

  it('copies every type to another table exactly, and replaces atomically', async () => {
    const columns = await columnsOf('t');
    const reader = await PostgresReader.open(conn);
    const writer = await PostgresWriter.open(conn);
    try {
      const source = await collect(reader.read('s', 't', columns, null));
      expect(source).toHaveLength(4);
      expect(source[0]!.slice(0, 3)).toEqual([true, -32768, -9223372036854775808n]);
      expect(source[0]![4]).toBe(1.7976931348623157e308);
      expect(source[2]![4]).toBe(0.30000000000000004);
      expect(source[0]![7]).toEqual(Buffer.from([0, 255, 16]));
      expect(source[0]![10]).toBe('2024-01-01 08:00:00.5+00');

      await writer.ensureTable('copy', 't', columns, true);
      const once = async (rows: Row[]) => writer.replace('copy', 't', columns, 'p=1', (async function* () { yield rows; })());
      expect(await once(source)).toBe(4);
      expect(await once(source)).toBe(4); // idempotent: replaced, not appended
      expect(await writer.count('copy', 't', 'p=1')).toBe(4);
      // A reader reads in one snapshot all its life (and keeps what it read locked): a new one reads back what was written.
      const readBack = async (db = 'copy') => {
        const again = await PostgresReader.open(conn);
        try {
          return await collect(again.read(db, 't', columns, null));
        } finally {
          await again.close();
        }
      };
      expect(await readBack()).toEqual(source);

      // A failure midway leaves the old rows in place.
      const failing = (async function* () {
        yield source.slice(0, 2);
        throw new Error('source connection lost');
      })();
      await expect(writer.replace('copy', 't', columns, 'p=1', failing)).rejects.toThrow('source connection lost');
      expect(await writer.count('copy', 't', 'p=1')).toBe(4);
      expect(await readBack()).toEqual(source);

      // The same-engine fast path (COPY text straight through) gives the same table.
      await writer.ensureTable('fast', 't', columns, true);
      // It reports its progress as it goes, adding up to the rows and bytes it returns.
      let seen = { rows: 0, bytes: 0 };
      const watch = { signal: new AbortController().signal, progress: (rows: number, bytes: number) => (seen = { rows: seen.rows + rows, bytes: seen.bytes + bytes }) };
      const first = await writer.replaceFrom!(reader, { db: 's', table: 't' }, [{ slice: null, key: 'p=1' }], 'fast', 't', columns, columns, watch);
      expect(first).toMatchObject({ rows: 4 });
      expect(seen).toEqual(first);
      expect(await writer.replaceFrom!(reader, { db: 's', table: 't' }, [{ slice: null, key: 'p=1' }], 'fast', 't', columns, columns, watch)).toMatchObject({ rows: 4 });
      expect(await readBack('fast')).toEqual(source);
      expect(await writer.count('fast', 't', 'p=1')).toBe(4);
      // Not for a type whose text the destination type would not read back (money → numeric).
      const money = [...columns, { name: 'm', type: { kind: 'decimal', precision: 19, scale: 2 }, native: 'money' } as const];
      expect([writer.takesFrom!(reader, columns, columns), writer.takesFrom!(reader, money, money)]).toEqual([true, false]);
      await expect(writer.replaceFrom!(reader, { db: 's', table: 't' }, [{ slice: null, key: 'p=1' }], 'fast', 't', money, money, watch)).rejects.toThrow(/cannot pass through/);

      // Additive schema evolution: a new column is added, nothing is dropped.
      await writer.ensureTable('copy', 't', [...columns, { name: 'extra', type: { kind: 'int32' } }], true);
      const { rows } = await admin.query(`SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'copy' AND table_name = 't'`);
      expect(Number(rows[0].n)).toBe(columns.length + 2);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  // Tasks of several tables start at once on a new schema: each writer must find what another just created.
  it('its COPY output tells the rows PostgreSQL read: a whole table, a key range, CSV; nothing when the reader stops early', async () => {
    await admin.query(`CREATE TABLE s.k (id bigint PRIMARY KEY, v text); INSERT INTO s.k SELECT g, CASE WHEN g % 3 = 0 THEN E'a\\nb' END FROM generate_series(1, 5000) g`);
    const columns = await columnsOf('k');
    const reader = await PostgresReader.open(conn);
    try {
      const counted: number[] = [];
      const drain = async (chunks: AsyncIterable<Buffer>) => { for await (const _ of chunks); };
      await drain(reader.copyText('s', 'k', columns, [{ slice: null, key: null }], (n) => counted.push(n)));
      const range = { value: null, location: '', spec: [], range: { column: 'id', lo: 1001n, hi: 3001n } };
      await drain(reader.csvText('s', 'k', columns, range, (n) => counted.push(n)));
      const { rows: [{ whole, part }] } = await admin.query(`SELECT (SELECT count(*) FROM s.k)::int AS whole, (SELECT count(*) FROM s.k WHERE id >= 1001 AND id < 3001)::int AS part`);
      expect(counted).toEqual([whole, part]);
      // A consumer that stops mid-stream hears no count (the rows were not all read).
      for await (const _ of reader.csvText('s', 'k', columns, null, (n) => counted.push(n))) break;
      expect(counted).toHaveLength(2);
    } finally {
      await reader.close();
    }
  });

  it('creates one schema and one type for many tables at once: each writer finds what another just created', async () => {
    const pair = 'CREATE TYPE pair AS (a integer, b text)';
    const columns: DataColumn[] = [{ name: 'id', type: { kind: 'int64' }, native: 'bigint' }, { name: 'p', type: { kind: 'string' }, native: 'pair' }];
    for (let round = 0; round < 20; round++) {
      const writers = await Promise.all(Array.from({ length: 4 }, () => PostgresWriter.open(conn)));
      try {
        const schema = `fresh_${round}`;
        const ensured = await Promise.all(writers.map((w, i) => w.ensureTable(schema, `t${i}`, columns, false, { types: async () => new Map([['pair', pair]]) })));
        // Every table holds the type itself, and no writer had to fall back to text.
        expect(ensured.map((e) => [e.types.get('p'), e.notes])).toEqual(writers.map(() => ['pair', []]));
      } finally {
        await Promise.all(writers.map((w) => w.close()));
      }
      await admin.query('DROP TYPE pair CASCADE');
    }
  });

  // A BRIN index summarizes no page written after its creation until told: every query by key range would read them all.
  it("keeps the key's BRIN index summarized as chunks commit, so a chunk's queries read its own pages", async () => {
    const writer = await PostgresWriter.open(conn);
    try {
      const columns: DataColumn[] = [{ name: 'id', type: { kind: 'int64' } }, { name: 'pad', type: { kind: 'string' } }];
      await writer.ensureTable('brin', 't', columns, false, { key: 'id' });
      async function* rows(lo: number, hi: number): AsyncIterable<Row[]> {
        yield Array.from({ length: hi - lo }, (_, i) => [BigInt(lo + i), 'x'.repeat(200)]);
      }
      for (let c = 0; c < 3; c++) await writer.replace('brin', 't', columns, { column: 'id', lo: BigInt(c * 20_000), hi: BigInt((c + 1) * 20_000) }, rows(c * 20_000, (c + 1) * 20_000));
      const { rows: [index] } = await admin.query("SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'brin.t'::regclass");
      const { rows: [pages] } = await admin.query("SELECT pg_relation_size('brin.t') / current_setting('block_size')::int AS n");
      expect(Number(pages.n)).toBeGreaterThan(1000); // more than 128-page ranges enough to tell
      expect((await admin.query('SELECT brin_summarize_new_values($1::regclass) AS n', [index.name])).rows[0].n).toBe(0);

      // For increments' lookups, a B-tree takes its place, once, and the table gets its statistics; the next copy keeps it so.
      const definitions = async () => (await admin.query("SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = 'brin.t'::regclass")).rows.map((i) => i.def.replace(/^.* USING /, ''));
      expect(await writer.indexForLookups('brin', 't', 'id')).toBe('built');
      expect(await writer.indexForLookups('brin', 't', 'id')).toBe('present');
      expect(await definitions()).toEqual(['btree (id)']);
      expect((await admin.query("SELECT count(*)::int AS n FROM pg_stats WHERE schemaname = 'brin' AND tablename = 't'")).rows[0].n).toBe(2);
      await writer.ensureTable('brin', 't', columns, false, { key: 'id' });
      await writer.replace('brin', 't', columns, { column: 'id', lo: 0n, hi: 20_000n }, rows(0, 20_000));
      expect(await definitions()).toEqual(['btree (id)']);
    } finally {
      await writer.close();
    }
  });

  // Cut chunks' tags: one bloom BRIN index (no B-tree to maintain row by row), summarized as each chunk commits.
  it("indexes cut chunks' tags with a bloom BRIN, kept summarized", async () => {
    const writer = await PostgresWriter.open(conn);
    try {
      const columns: DataColumn[] = [{ name: 'id', type: { kind: 'int64' } }, { name: 'pad', type: { kind: 'string' } }];
      await writer.ensureTable('brin', 'cut', columns, true, { cutChunks: true });
      async function* rows(lo: number, hi: number): AsyncIterable<Row[]> {
        yield Array.from({ length: hi - lo }, (_, i) => [BigInt(lo + i), 'x'.repeat(200)]);
      }
      for (let c = 0; c < 3; c++) await writer.replace('brin', 'cut', columns, `chunk:${c}`, rows(c * 20_000, (c + 1) * 20_000));
      const { rows: indexes } = await admin.query("SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = 'brin.cut'::regclass");
      expect(indexes.map((i) => i.def.replace(/^.* USING /, ''))).toEqual(["brin (_mms_partition text_bloom_ops) WITH (autosummarize='on')"]);
      expect((await admin.query('SELECT brin_summarize_new_values($1::regclass) AS n', [indexes[0].name])).rows[0].n).toBe(0);
      expect(await writer.count('brin', 'cut', 'chunk:1')).toBe(20_000);
    } finally {
      await writer.close();
    }
  });
});
