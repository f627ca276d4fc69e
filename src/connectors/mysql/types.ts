import { decimal, int, scalar, timestamp, typeMapper, type LogicalType } from '../types/logical.js';

/**
 * MySQL/MariaDB `COLUMN_TYPE` → logical types. Unsigned integers widen to the next size so every
 * value fits; tinyint(1) stays an integer (it may hold any -128..127, not only booleans).
 */
export const fromMysql = typeMapper([
  [/^tinyint(\(\d+\))? unsigned/, () => scalar('int16')],
  [/^tinyint/, () => scalar('int8')],
  [/^smallint(\(\d+\))? unsigned/, () => scalar('int32')],
  [/^smallint/, () => scalar('int16')],
  [/^mediumint/, () => scalar('int32')],
  [/^int(eger)?(\(\d+\))? unsigned/, () => scalar('int64')],
  [/^int(eger)?\b/, () => scalar('int32')],
  [/^bigint(\(\d+\))? unsigned/, () => decimal(20, 0)],
  [/^bigint/, () => scalar('int64')],
  [/^float/, () => scalar('float32')],
  [/^(double|real)/, () => scalar('float64')],
  [/^(decimal|numeric)\((\d+),(\d+)\)/, (m) => decimal(int(m, 2, 10), int(m, 3, 0))],
  [/^(decimal|numeric)\((\d+)\)/, (m) => decimal(int(m, 2, 10), 0)],
  [/^(decimal|numeric)/, () => decimal(10, 0)],
  [/^bit\(1\)$/, () => scalar('boolean')],
  // BIT(64) holds up to 2^64 - 1, past a signed 64-bit integer: an exact decimal keeps every value.
  [/^bit\(64\)$/, () => decimal(20, 0)],
  [/^bit/, () => scalar('int64')],
  [/^bool(ean)?$/, () => scalar('int8')],
  [/^char\((\d+)\)/, (m) => ({ kind: 'char', length: int(m, 1, 1) })],
  [/^varchar\((\d+)\)/, (m) => ({ kind: 'varchar', length: int(m, 1, 1) })],
  [/^(tiny|medium|long)?text/, () => scalar('string')],
  [/^(enum|set)\(/, () => scalar('string')],
  [/^(var)?binary|^(tiny|medium|long)?blob/, () => scalar('binary')],
  [/^date$/, () => scalar('date')],
  [/^datetime(?:\((\d+)\))?/, (m) => timestamp(int(m, 1, 0))],
  // MySQL TIMESTAMP is stored in UTC and shown in the session zone: an instant.
  [/^timestamp(?:\((\d+)\))?/, (m) => timestamp(int(m, 1, 0), true)],
  [/^time/, () => scalar('time')],
  [/^year/, () => scalar('int16')],
  [/^json$/, () => scalar('json')],
  [/^uuid$/, () => scalar('uuid')],
  [/^(geometry|point|linestring|polygon|multi\w+|geometrycollection)$/, () => scalar('binary')],
]);

/** Logical types → MySQL/MariaDB column types, for destination tables. */
export function toMysql(t: LogicalType): string {
  switch (t.kind) {
    case 'boolean': return 'boolean';
    case 'int8': return 'tinyint';
    case 'int16': return 'smallint';
    case 'int32': return 'int';
    case 'int64': return 'bigint';
    case 'float32': return 'float';
    case 'float64': return 'double';
    case 'decimal': return t.precision <= 65 && t.scale <= 30 ? `decimal(${t.precision},${t.scale})` : 'longtext';
    case 'varchar': return t.length <= 16383 ? `varchar(${t.length})` : 'longtext';
    case 'char': return t.length <= 255 ? `char(${t.length})` : `varchar(${t.length})`;
    case 'string': return 'longtext';
    case 'binary': return 'longblob';
    case 'date': return 'date';
    case 'time': return 'time(6)';
    // MySQL has no time with an offset: the text keeps it ('04:05:06.789+05:30').
    case 'timetz': return 'varchar(32)';
    case 'timestamp': return `datetime(${Math.min(t.precision, 6)})`;
    // DATETIME holds the instant in UTC: TIMESTAMP would overflow in 2038.
    case 'timestamptz': return `datetime(${Math.min(t.precision, 6)})`;
    case 'json': return 'json';
    case 'uuid': return 'char(36)';
    case 'interval': return 'varchar(64)';
    case 'array':
    case 'map':
    case 'struct': return 'json';
  }
}
