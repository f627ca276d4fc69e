import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { DataColumn, Row, Value } from '../data.js';
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

/** A Value → the text DuckDB casts to `target`, the column's type there (dates BC and intervals have forms of their own). */
function carrierText(v: Value, t: LogicalType, target: string): string {
  const text = String(v);
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
export async function stage(connection: DuckDBConnection, name: string, columns: DataColumn[], batches: AsyncIterable<Row[]>, type: (t: LogicalType) => string = toDuckdb): Promise<number> {
  await connection.run(`CREATE TEMP TABLE ${quoteIdent(name)} (${columns.map((c, i) => `c${i} ${carrier(c.type)}`).join(', ')})`);
  const appender = await connection.createAppender(name, 'main', 'temp');
  const carriers = columns.map((c) => carrier(c.type));
  const types = columns.map((c) => c.type);
  const targets = types.map(type);
  let n = 0;
  try {
    for await (const batch of batches) {
      for (const row of batch) appendRow(appender, row, carriers, types, targets);
      n += batch.length;
      appender.flushSync();
    }
  } finally {
    appender.closeSync();
  }
  return n;
}

function appendRow(appender: DuckDBAppender, row: Row, carriers: Carrier[], types: LogicalType[], targets: string[]): void {
  row.forEach((v, i) => {
    if (v === null) return appender.appendNull();
    switch (carriers[i]) {
      case 'BOOLEAN': return appender.appendBoolean(v as boolean);
      case 'INTEGER': return appender.appendInteger(v as number);
      case 'BIGINT': return appender.appendBigInt(v as bigint);
      case 'DOUBLE': return appender.appendDouble(v as number);
      case 'BLOB': return appender.appendBlob(v as Buffer);
      default: return appender.appendVarchar(carrierText(v, types[i]!, targets[i]!));
    }
  });
  appender.endRow();
}

/** SELECT list that casts staged carrier columns to the destination's types. */
export function castExprs(columns: DataColumn[], type: (t: LogicalType) => string = toDuckdb): string[] {
  return columns.map((c, i) => (nested(c.type) ? `CAST(c${i}::JSON AS ${type(c.type)})` : `CAST(c${i} AS ${type(c.type)})`));
}
