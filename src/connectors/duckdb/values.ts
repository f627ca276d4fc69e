import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { convertRow, ValueRefused, type DataColumn, type Row, type Value } from '../data.js';
import { isDated, type LogicalType } from '../types/logical.js';
import { quoteIdent } from './connect.js';
import { toDuckdb } from './types.js';
import { bcFromDuckdb, bcToAstronomical, intervalToIso, isoIntervalToDuckdb } from './text-forms.js';

/**
 * How values cross the DuckDB boundary without loss: numbers, booleans and blobs as themselves,
 * everything else as text (nested values as JSON text), cast by DuckDB itself on the way back in.
 */
type Carrier = 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BLOB' | 'VARCHAR';

function carrier(t: LogicalType): Carrier {
  switch (t.kind) {
    case 'boolean': return 'BOOLEAN';
    case 'int8':
    case 'int16':
    case 'int32': return 'INTEGER';
    case 'int64': return 'BIGINT';
    case 'float32':
    case 'float64': return 'DOUBLE';
    case 'binary': return 'BLOB';
    default: return 'VARCHAR';
  }
}

const nested = (t: LogicalType) => t.kind === 'array' || t.kind === 'map' || t.kind === 'struct';

/** A DECIMAL's text with its leading zero: DuckDB prints one whose digits are all fraction (DECIMAL(5,5)) as `.00123`. */
export const duckDecimalText = (expr: string) => `regexp_replace(CAST(${expr} AS VARCHAR), '^(-?)\\.', '\\10.')`;

/** SELECT expression that reads a column as its carrier (intervals as DuckDB's own value, see fromDuck). */
export function readExpr(name: string, t: LogicalType): string {
  if (nested(t)) return `to_json(${quoteIdent(name)})::VARCHAR`;
  if (t.kind === 'decimal' && carrier(t) === 'VARCHAR') return duckDecimalText(quoteIdent(name));
  if (isDated(t)) return bcFromDuckdb(quoteIdent(name));
  if (t.kind === 'interval') return quoteIdent(name);
  return carrier(t) === 'VARCHAR' ? `CAST(${quoteIdent(name)} AS VARCHAR)` : quoteIdent(name);
}

/** DuckDB's value of a carrier → a Value. */
export function fromDuck(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && 'bytes' in (v as object)) return Buffer.from((v as { bytes: Uint8Array }).bytes);
  if (typeof v === 'object' && 'micros' in (v as object)) return intervalToIso(v as { months: number; days: number; micros: bigint });
  return v as Value;
}

/** DuckDB's last instant (its timestamps count microseconds in 64 bits); PostgreSQL's go on to 294276. */
const LAST_TIMESTAMP = '294247-01-10 04:00:54.775806';

/**
 * A Value → the text DuckDB casts to `target`, the column's type there (dates BC and intervals
 * have forms of their own). Refuses what the cast would fail on, so the row can be named.
 */
function carrierText(v: Value, t: LogicalType, target: string): string {
  const text = String(v);
  if ((t.kind === 'timestamp' || t.kind === 'timestamptz') && /^\d{6}/.test(text) && text.slice(0, LAST_TIMESTAMP.length) > LAST_TIMESTAMP) {
    throw new ValueRefused(`${text} is after ${LAST_TIMESTAMP}, the last instant DuckDB and Parquet timestamps hold; cap it at the source or copy into PostgreSQL`);
  }
  if (t.kind === 'array' && t.element.kind !== 'array' && text.indexOf('[', 1) > 0 && (JSON.parse(text) as unknown[]).some(Array.isArray)) {
    throw new ValueRefused(`a multi-dimensional array, where the column ${target} holds one dimension; PostgreSQL declares no dimensions, so only the values show it: unnest it at the source or copy into PostgreSQL, MariaDB or SQLite`);
  }
  if (isDated(t)) return bcToAstronomical(text);
  return target === 'INTERVAL' ? isoIntervalToDuckdb(text) : text;
}

/** Streams a query's rows in batches of DuckDB's own chunks. */
export async function* streamRows(connection: DuckDBConnection, sql: string): AsyncGenerator<Row[]> {
  const result = await connection.stream(sql);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    yield chunk.getRows().map((r) => r.map(fromDuck));
  }
}

/**
 * Loads rows into a fresh table of carrier columns with the appender (DuckDB's fast path),
 * so the caller can cast them into place with one INSERT … SELECT inside its transaction;
 * `type` names the column types they will be cast to (as castExprs).
 */
export async function stage(
  connection: DuckDBConnection,
  name: string,
  columns: DataColumn[],
  batches: AsyncIterable<Row[]>,
  { table, type = duckdbType, before = 0 }: { table: string; type?: (c: DataColumn) => string; before?: number },
): Promise<number> {
  await connection.run(`CREATE TEMP TABLE ${quoteIdent(name)} (${columns.map((c, i) => `c${i} ${carrier(c.type)}`).join(', ')})`);
  const appender = await connection.createAppender(name, 'main', 'temp');
  const carriers = columns.map((c) => carrier(c.type));
  const types = columns.map((c) => c.type);
  const targets = columns.map(type);
  let n = 0;
  try {
    for await (const batch of batches) {
      for (const row of batch) {
        convertRow(table, columns, row, before + ++n, (v, i) => append(appender, v, carriers[i]!, types[i]!, targets[i]!));
        appender.endRow();
      }
      appender.flushSync();
    }
  } finally {
    appender.closeSync();
  }
  return n;
}

function append(appender: DuckDBAppender, v: Value, carrier: Carrier, type: LogicalType, target: string): void {
  if (v === null) return appender.appendNull();
  switch (carrier) {
    case 'BOOLEAN': return appender.appendBoolean(v as boolean);
    case 'INTEGER': return appender.appendInteger(v as number);
    case 'BIGINT': return appender.appendBigInt(v as bigint);
    case 'DOUBLE': return appender.appendDouble(v as number);
    case 'BLOB': return appender.appendBlob(v as Buffer);
    default: return appender.appendVarchar(carrierText(v, type, target));
  }
}

/** SELECT list that casts staged carrier columns to the destination's types. */
export function castExprs(columns: DataColumn[], type: (c: DataColumn) => string = duckdbType): string[] {
  return columns.map((c, i) => (nested(c.type) ? `CAST(c${i}::JSON AS ${type(c)})` : `CAST(c${i} AS ${type(c)})`));
}

/** A DuckDB type as duckdb_columns() prints it: names, sizes, list suffixes, an ENUM's quoted labels. */
const COLUMN_TYPE = /^([A-Z][A-Z0-9_]*( [A-Z]+)*(\(\d+(, ?\d+)?\))?(\[\d*\])*|ENUM\('([^'\\]|'')*'(, '([^'\\]|'')*')*\))$/;

/**
 * A destination column's DuckDB type: a DuckDB source's own (DataColumn.native: HUGEINT, UBIGINT,
 * an ENUM, BIT, TIMESTAMP_MS stay what they are), else the logical type's.
 */
export const duckdbType = (c: DataColumn): string => (c.native !== undefined && COLUMN_TYPE.test(c.native) ? c.native : toDuckdb(c.type));
