import { describe, expect, it } from 'vitest';
import { fromDuckdb, toDuckdb } from '../../src/connectors/duckdb/types.js';
import { fromMysql, toMysql } from '../../src/connectors/mysql/types.js';
import { fromPostgres, toPostgres } from '../../src/connectors/postgres/types.js';
import { fromSqlite, toSqlite } from '../../src/connectors/sqlite/types.js';
import { formatLogical, type LogicalType } from '../../src/connectors/types/logical.js';

/** Every logical type, in text form, as a destination table would need it. */
const ALL: LogicalType[] = [
  { kind: 'boolean' }, { kind: 'int8' }, { kind: 'int16' }, { kind: 'int32' }, { kind: 'int64' }, { kind: 'float32' }, { kind: 'float64' },
  { kind: 'decimal', precision: 10, scale: 2 }, { kind: 'decimal', precision: 38, scale: 10 }, { kind: 'decimal', precision: 65, scale: 30 },
  { kind: 'varchar', length: 20 }, { kind: 'char', length: 3 }, { kind: 'string' }, { kind: 'binary' }, { kind: 'date' }, { kind: 'time' },
  { kind: 'timestamp', precision: 3 }, { kind: 'timestamp', precision: 6 }, { kind: 'timestamptz', precision: 6 },
  { kind: 'json' }, { kind: 'uuid' }, { kind: 'interval' },
  { kind: 'array', element: { kind: 'int32' } },
  { kind: 'map', key: { kind: 'string' }, value: { kind: 'int64' } },
  { kind: 'struct', fields: [{ name: 'a', type: { kind: 'int32' } }, { name: 'b c', type: { kind: 'string' } }] },
];

/** What comes back after a trip through an engine's native type: the same type, or the stated widening. */
function roundTrip(to: (t: LogicalType) => string, from: (n: string) => LogicalType) {
  return Object.fromEntries(ALL.map((t) => [formatLogical(t), formatLogical(from(to(t)))]));
}
const same = (widened: Record<string, string>) => Object.fromEntries(ALL.map((t) => [formatLogical(t), widened[formatLogical(t)] ?? formatLogical(t)]));

describe('type mapping tables', () => {
  it('PostgreSQL keeps every type, widening int8 and carrying nested types as JSON', () => {
    expect(roundTrip(toPostgres, fromPostgres)).toEqual(same({
      int8: 'int16', 'decimal(65,30)': 'decimal(65,30)', 'timestamp(3)': 'timestamp(3)',
      'map<string,int64>': 'json', 'struct<a:int32,b c:string>': 'json',
    }));
  });

  it('MySQL/MariaDB keeps every type its engine has', () => {
    expect(roundTrip(toMysql, fromMysql)).toEqual(same({
      // MySQL's BOOLEAN is tinyint(1); its DATETIME holds instants in UTC; no native uuid/interval.
      boolean: 'int8', 'timestamptz(6)': 'timestamp(6)', uuid: 'char(36)', interval: 'varchar(64)',
      'array<int32>': 'json', 'map<string,int64>': 'json', 'struct<a:int32,b c:string>': 'json',
    }));
  });

  it('DuckDB keeps every type, with text for decimals wider than 38 digits', () => {
    expect(roundTrip(toDuckdb, fromDuckdb)).toEqual(same({
      'decimal(65,30)': 'string', 'varchar(20)': 'string', 'char(3)': 'string', 'timestamp(3)': 'timestamp(6)',
    }));
  });

  it('SQLite keeps the declared type where it can name one', () => {
    expect(roundTrip(toSqlite, fromSqlite)).toEqual(same({
      int8: 'int64', int16: 'int64', int32: 'int64', float32: 'float64', 'varchar(20)': 'string', 'char(3)': 'string',
      time: 'string', 'timestamp(3)': 'timestamp(6)', uuid: 'string', interval: 'string',
      'array<int32>': 'string', 'map<string,int64>': 'string', 'struct<a:int32,b c:string>': 'string',
    }));
  });

  it('carries an unknown native type as text rather than failing', () => {
    expect(formatLogical(fromPostgres('tsrange'))).toBe('string');
    expect(formatLogical(fromMysql('vector(3)'))).toBe('string');
    expect(formatLogical(fromDuckdb('union(a integer, b varchar)'))).toBe('string');
  });

  it('reads nested DuckDB types, quoted field names included', () => {
    expect(formatLogical(fromDuckdb('STRUCT("a,b" INTEGER, c MAP(VARCHAR, DOUBLE[]))'))).toBe('struct<a,b:int32,c:map<string,array<float64>>>');
    expect(formatLogical(fromPostgres('numeric(12,3)[]'))).toBe('array<decimal(12,3)>');
  });
});
