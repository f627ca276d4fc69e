import { decimal, int, scalar, timestamp, typeMapper, type LogicalType } from '../types/logical.js';

/** PostgreSQL `format_type()` names → logical types. */
export const fromPostgres = typeMapper([
  [/^(.+)\[\]$/, (m, map) => ({ kind: 'array', element: map(m[1]!) })],
  [/^boolean$/, () => scalar('boolean')],
  [/^smallint$/, () => scalar('int16')],
  [/^integer$/, () => scalar('int32')],
  [/^bigint$/, () => scalar('int64')],
  [/^real$/, () => scalar('float32')],
  [/^double precision$/, () => scalar('float64')],
  // numeric without a declared precision holds any precision: only text keeps every digit.
  [/^numeric\((\d+),(-?\d+)\)$/, (m) => decimal(int(m, 1, 38), int(m, 2, 0))],
  [/^numeric\((\d+)\)$/, (m) => decimal(int(m, 1, 38), 0)],
  [/^numeric$/, () => scalar('string')],
  [/^money$/, () => decimal(19, 2)],
  [/^(?:character varying|varchar)\((\d+)\)$/, (m) => ({ kind: 'varchar', length: int(m, 1, 0) })],
  [/^(?:character|char|bpchar)\((\d+)\)$/, (m) => ({ kind: 'char', length: int(m, 1, 1) })],
  [/^(text|character varying|name|citext|xml|inet|cidr|macaddr8?|bit.*|tsvector|tsquery)$/, () => scalar('string')],
  [/^bytea$/, () => scalar('binary')],
  [/^date$/, () => scalar('date')],
  [/^time(\(\d+\))? with time zone$|^timetz$/, () => scalar('timetz')],
  [/^time(\(\d+\))?( without time zone)?$/, () => scalar('time')],
  [/^timestamp(?:\((\d+)\))?( without time zone)?$/, (m) => timestamp(int(m, 1, 6))],
  [/^(?:timestamp(?:\((\d+)\))? with time zone|timestamptz(?:\((\d+)\))?)$/, (m) => timestamp(int(m, 1, int(m, 2, 6)), true)],
  [/^jsonb?$/, () => scalar('json')],
  [/^uuid$/, () => scalar('uuid')],
  [/^interval.*$/, () => scalar('interval')],
]);

/** An array type's element type (`mood[]`, `mood[][]` → `mood`); any other type itself. */
export const elementType = (native: string): string => native.replace(/(\[\])+$/, '');

/** Logical types → PostgreSQL column types, for destination tables. */
export function toPostgres(t: LogicalType): string {
  switch (t.kind) {
    case 'boolean': return 'boolean';
    case 'int8':
    case 'int16': return 'smallint';
    case 'int32': return 'integer';
    case 'int64': return 'bigint';
    case 'float32': return 'real';
    case 'float64': return 'double precision';
    case 'decimal': return t.precision > 1000 ? 'numeric' : `numeric(${t.precision},${t.scale})`;
    case 'varchar': return `varchar(${t.length})`;
    case 'char': return `char(${t.length})`;
    case 'string': return 'text';
    case 'binary': return 'bytea';
    case 'date': return 'date';
    case 'time': return 'time';
    case 'timetz': return 'timetz';
    case 'timestamp': return `timestamp(${Math.min(t.precision, 6)})`;
    case 'timestamptz': return `timestamptz(${Math.min(t.precision, 6)})`;
    case 'json': return 'jsonb';
    case 'uuid': return 'uuid';
    case 'interval': return 'interval';
    case 'array': return t.element.kind === 'array' ? 'jsonb' : `${toPostgres(t.element)}[]`;
    case 'map':
    case 'struct': return 'jsonb';
  }
}
