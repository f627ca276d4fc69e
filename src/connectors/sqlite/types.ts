import { decimal, int, scalar, timestamp, typeMapper, type LogicalType } from '../types/logical.js';

/** SQLite declared column types → logical types, following SQLite's affinity rules where no name is more precise. */
export const fromSqlite = typeMapper([
  [/^bool(ean)?$/, () => scalar('boolean')],
  [/^(?:text )?(decimal|numeric)\((\d+),\s*(\d+)\)$/, (m) => decimal(int(m, 2, 38), int(m, 3, 0))],
  [/^date$/, () => scalar('date')],
  [/^(datetime|timestamp)$/, () => timestamp(6)],
  [/^timestamptz$/, () => timestamp(6, true)],
  [/^(text )?json$/, () => scalar('json')],
  [/int/, () => scalar('int64')],
  [/char|clob|text/, () => scalar('string')],
  [/^$|blob/, () => scalar('binary')],
  [/real|floa|doub/, () => scalar('float64')],
  [/.*/, () => scalar('string')],
]);

/** Logical types → SQLite declared types (SQLite stores by affinity; the declared name keeps the logical type). */
export function toSqlite(t: LogicalType): string {
  switch (t.kind) {
    case 'boolean': return 'BOOLEAN';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64': return 'INTEGER';
    case 'float32':
    case 'float64': return 'REAL';
    // "TEXT …" gives text affinity: SQLite would otherwise turn '0.1000000000000000001' into a double.
    case 'decimal': return `TEXT DECIMAL(${t.precision},${t.scale})`;
    case 'binary': return 'BLOB';
    case 'date': return 'DATE';
    case 'timestamp': return 'TIMESTAMP';
    case 'timestamptz': return 'TIMESTAMPTZ';
    case 'json': return 'TEXT JSON';
    default: return 'TEXT';
  }
}
