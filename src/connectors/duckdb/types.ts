import { decimal, int, scalar, splitTopLevel, timestamp, typeMapper, type LogicalType } from '../types/logical.js';
import { quoteIdent } from '../sql.js';

/** DuckDB type names (also what DuckDB reports for Parquet files) → logical types. */
export const fromDuckdb = typeMapper([
  [/^(.+)\[\d*\]$/, (m, map) => ({ kind: 'array', element: map(m[1]!) })],
  [/^map\((.+)\)$/, (m, map) => {
    const [k = 'varchar', v = 'varchar'] = splitTopLevel(m[1]!);
    return { kind: 'map', key: map(k), value: map(v) };
  }],
  [/^struct\((.+)\)$/, (m, map) => ({
    kind: 'struct',
    fields: splitTopLevel(m[1]!).map((f) => {
      const sp = /^("(?:[^"]|"")*"|\S+)\s+(.+)$/.exec(f)!;
      return { name: sp[1]!.replace(/^"|"$/g, '').replace(/""/g, '"'), type: map(sp[2]!) };
    }),
  })],
  [/^boolean$/, () => scalar('boolean')],
  [/^tinyint$/, () => scalar('int8')],
  [/^(smallint|utinyint)$/, () => scalar('int16')],
  [/^(integer|usmallint)$/, () => scalar('int32')],
  [/^(bigint|uinteger)$/, () => scalar('int64')],
  [/^ubigint$/, () => decimal(20, 0)],
  // ±1.7e38 and 3.4e38: 39 digits, one more than DuckDB's widest DECIMAL.
  [/^(hugeint|uhugeint)$/, () => decimal(39, 0)],
  [/^float$/, () => scalar('float32')],
  [/^double$/, () => scalar('float64')],
  [/^decimal\((\d+),(\d+)\)$/, (m) => decimal(int(m, 1, 18), int(m, 2, 3))],
  [/^varchar$/, () => scalar('string')],
  [/^blob$/, () => scalar('binary')],
  [/^date$/, () => scalar('date')],
  [/^time$/, () => scalar('time')],
  [/^(time with time zone|timetz)$/, () => scalar('timetz')],
  [/^timestamp_s$/, () => timestamp(0)],
  [/^timestamp_ms$/, () => timestamp(3)],
  [/^timestamp_ns$/, () => timestamp(9)],
  [/^timestamp$/, () => timestamp(6)],
  [/^(timestamp with time zone|timestamptz)$/, () => timestamp(6, true)],
  [/^interval$/, () => scalar('interval')],
  [/^uuid$/, () => scalar('uuid')],
  [/^json$/, () => scalar('json')],
]);


/**
 * Logical types in a Parquet file written by DuckDB: as in a DuckDB table, but for what Parquet
 * cannot hold, kept as its text: a time's offset (Parquet keeps the UTC time only) and intervals
 * (Parquet's have no sign; the text is ISO 8601, `P-1Y-2M-3DT-1H`).
 */
export function toParquet(t: LogicalType): string {
  return t.kind === 'timetz' || t.kind === 'interval' ? 'VARCHAR' : toDuckdb(t);
}

/** Logical types → DuckDB column types, for destination tables (DuckDB and the Parquet lake). */
export function toDuckdb(t: LogicalType): string {
  switch (t.kind) {
    case 'boolean': return 'BOOLEAN';
    case 'int8': return 'TINYINT';
    case 'int16': return 'SMALLINT';
    case 'int32': return 'INTEGER';
    case 'int64': return 'BIGINT';
    case 'float32': return 'FLOAT';
    case 'float64': return 'DOUBLE';
    // DuckDB decimals stop at 38 digits; wider values keep every digit as text.
    case 'decimal': return t.precision <= 38 ? `DECIMAL(${t.precision},${t.scale})` : 'VARCHAR';
    case 'varchar':
    case 'char':
    case 'string': return 'VARCHAR';
    case 'binary': return 'BLOB';
    case 'date': return 'DATE';
    case 'time': return 'TIME';
    case 'timetz': return 'TIMETZ';
    case 'timestamp': return t.precision === 9 ? 'TIMESTAMP_NS' : 'TIMESTAMP';
    case 'timestamptz': return 'TIMESTAMPTZ';
    case 'json': return 'JSON';
    case 'uuid': return 'UUID';
    case 'interval': return 'INTERVAL';
    case 'array': return `${toDuckdb(t.element)}[]`;
    case 'map': return `MAP(${toDuckdb(t.key)}, ${toDuckdb(t.value)})`;
    case 'struct': return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${toDuckdb(f.type)}`).join(', ')})`;
  }
}
