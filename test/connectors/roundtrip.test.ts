import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Engine } from '../../src/connectors/engines.js';
import { SLICE_COLUMN, type DataColumn, type Row, type Slice, type Value } from '../../src/connectors/data.js';
import { logicalType, openCatalog, openReader, openWriter } from '../../src/connectors/index.js';
import type { LogicalType } from '../../src/connectors/types/logical.js';
import { collect } from '../support/rows.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { createPgDatabase } from '../support/stores.js';

const COLUMNS: DataColumn[] = [
  { name: 'b', type: { kind: 'boolean' } },
  { name: 'i32', type: { kind: 'int32' } },
  { name: 'i64', type: { kind: 'int64' } },
  { name: 'f64', type: { kind: 'float64' } },
  { name: 'f32', type: { kind: 'float32' } },
  { name: 'dec', type: { kind: 'decimal', precision: 30, scale: 10 } },
  { name: 'Name With "Quotes" ; --', type: { kind: 'string' } },
  { name: 'bin', type: { kind: 'binary' } },
  { name: 'd', type: { kind: 'date' } },
  { name: 'ts', type: { kind: 'timestamp', precision: 6 } },
  { name: 'tz', type: { kind: 'timestamptz', precision: 6 } },
  { name: 'j', type: { kind: 'json' } },
];

const ROWS: Row[] = [
  [true, -2147483648, -9223372036854775808n, 0.30000000000000004, Math.fround(0.1), '12345678901234567890.0123456789',
    "Zürich 北京 🚀 tab\there\nnew line \\ back 'single' \"double\"", Buffer.from([0, 255, 16, 10, 9]), '2024-02-29',
    '2024-01-01 10:00:00.123456', '2024-01-01 08:00:00.5+00', '{"a":[1,2,{"b":null}],"ü":"x"}'],
  COLUMNS.map(() => null),
  [false, 2147483647, 9223372036854775807n, 5e-324, 3.4028234663852886e38, '-0.0000000001', '', Buffer.alloc(0), '1970-01-01',
    '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '[]'],
  [null, 0, 0n, -1.7976931348623157e308, -0, '0.0000000000', '長'.repeat(300_000), Buffer.alloc(70_000, 7), '9999-12-31',
    '2099-12-31 23:59:59.999999', '2038-01-19 03:14:08+00', '{"big": 12345678901234567}'],
];

/** Engines that hold no negative zero (MariaDB): the writer refuses it (below), so their rows have a zero (SQLite keeps it as text, see sqlite/values.ts). */
const NO_NEGATIVE_ZERO: Engine[] = ['MYSQL'];
const rowsFor = (engine: Engine) => (NO_NEGATIVE_ZERO.includes(engine) ? ROWS.map((r) => r.map((v) => (Object.is(v, -0) ? 0 : v))) : ROWS);

/** The value an engine gives back for a value written as `from`, when its catalog reports `to`. */
function expectedAs(engine: Engine, v: Value, from: LogicalType, to: LogicalType): unknown {
  if (v === null) return null;
  if (from.kind === 'json') return to.kind === 'json' ? JSON.parse(v as string) : v; // MariaDB's JSON is text
  if (Object.is(v, -0) && NO_NEGATIVE_ZERO.includes(engine)) return 0; // written as 0 (rowsFor)
  if (from.kind === 'boolean' && to.kind !== 'boolean') return v ? 1 : 0;
  if (to.kind === 'int64' && typeof v === 'number') return BigInt(v);
  if (from.kind === 'timestamptz' && to.kind === 'timestamp') return (v as string).replace(/\+00$/, '');
  return v;
}
const normalised = (v: Value, t: LogicalType) => (v !== null && t.kind === 'json' ? JSON.parse(v as string) : v);

interface Target { engine: Engine; conn: Connection; db: string; drop?: () => Promise<void> }

describe('every engine as destination and as source: values survive exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openmms-rt-'));
  const targets: Target[] = [];

  beforeAll(async () => {
    const pgDb = await createPgDatabase('openmms_rt');
    targets.push({ engine: 'POSTGRESQL', conn: pgDb.conn, db: 'rt_db', drop: pgDb.drop });
    const maria = await createMariaDatabase('openmms_rt');
    targets.push({ engine: 'MYSQL', conn: { ...MARIADB, database: maria.name }, db: maria.name, drop: maria.drop });
    targets.push({ engine: 'SQLITE', conn: { path: join(dir, 'rt.sqlite') }, db: 'main' });
    targets.push({ engine: 'DUCKDB', conn: { path: join(dir, 'rt.duckdb') }, db: 'main' });
    targets.push({ engine: 'LAKE', conn: { path: join(dir, 'lake') }, db: 'default' });
  });
  afterAll(async () => {
    for (const t of targets) await t.drop?.();
  });

  it.each(['POSTGRESQL', 'MYSQL', 'SQLITE', 'DUCKDB', 'LAKE'] as Engine[])('%s', async (engine) => {
    const t = targets.find((x) => x.engine === engine)!;
    const writer = await openWriter(engine, t.conn);
    try {
      await writer.ensureTable(t.db, 'rt', COLUMNS, true);
      const rows = rowsFor(engine);
      if (rows !== ROWS) await expect(writer.replace(t.db, 'rt', COLUMNS, 'k=1', (async function* () { yield ROWS; })())).rejects.toThrow('MariaDB keeps no negative zero');
      const write = () => writer.replace(t.db, 'rt', COLUMNS, 'k=1', (async function* () { yield rows.slice(0, 2); yield rows.slice(2); })());
      expect(await write()).toBe(4);
      expect(await write()).toBe(4); // a retried copy replaces, never appends
      expect(await writer.count(t.db, 'rt', 'k=1')).toBe(4);
      expect(await writer.count(t.db, 'rt', 'k=2')).toBe(0);
    } finally {
      await writer.close();
    }

    // Read back through the engine's own catalog and reader, as a later migration from it would.
    const catalog = await openCatalog(engine, t.conn);
    const [meta] = await catalog.tables(t.db, ['rt']);
    await catalog.close();
    const readColumns = [...meta!.columns, ...meta!.partitionColumns]
      .filter((c) => c.name !== SLICE_COLUMN && c.name !== 'k')
      .map((c) => ({ name: c.name, type: logicalType(engine, c) }));
    expect(readColumns.map((c) => c.name)).toEqual(COLUMNS.map((c) => c.name));
    const slice: Slice | null = engine === 'LAKE' ? { value: 'k=1', location: 'k=1', spec: [['k', '1']] } : null;
    const reader = await openReader(engine, t.conn);
    try {
      const back = await collect(reader.read(t.db, 'rt', readColumns, slice));
      const got = back.map((r) => r.map((v, i) => normalised(v, readColumns[i]!.type)));
      const want = ROWS.map((r) => r.map((v, i) => expectedAs(engine, v, COLUMNS[i]!.type, readColumns[i]!.type)));
      expect(got).toEqual(want);
    } finally {
      await reader.close();
    }
  });
});
