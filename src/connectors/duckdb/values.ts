import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { DataColumn, Row, Value } from '../data.js';
import type { LogicalType } from '../types/logical.js';
import { quoteIdent } from './connect.js';
import { toDuckdb } from './types.js';

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

/** SELECT expression that reads a column as its carrier. */
export function readExpr(name: string, t: LogicalType): string {
  if (nested(t)) return `to_json(${quoteIdent(name)})::VARCHAR`;
  return carrier(t) === 'VARCHAR' ? `CAST(${quoteIdent(name)} AS VARCHAR)` : quoteIdent(name);
}

/** DuckDB's value of a carrier → a Value. */
export function fromDuck(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && 'bytes' in (v as object)) return Buffer.from((v as { bytes: Uint8Array }).bytes);
  return v as Value;
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
 * so the caller can cast them into place with one INSERT … SELECT inside its transaction.
 */
export async function stage(connection: DuckDBConnection, name: string, columns: DataColumn[], batches: AsyncIterable<Row[]>): Promise<number> {
  await connection.run(`CREATE TEMP TABLE ${quoteIdent(name)} (${columns.map((c, i) => `c${i} ${carrier(c.type)}`).join(', ')})`);
  const appender = await connection.createAppender(name, 'main', 'temp');
  const carriers = columns.map((c) => carrier(c.type));
  let n = 0;
  try {
    for await (const batch of batches) {
      for (const row of batch) appendRow(appender, row, carriers);
      n += batch.length;
      appender.flushSync();
    }
  } finally {
    appender.closeSync();
  }
  return n;
}

function appendRow(appender: DuckDBAppender, row: Row, carriers: Carrier[]): void {
  row.forEach((v, i) => {
    if (v === null) return appender.appendNull();
    switch (carriers[i]) {
      case 'BOOLEAN': return appender.appendBoolean(v as boolean);
      case 'INTEGER': return appender.appendInteger(v as number);
      case 'BIGINT': return appender.appendBigInt(v as bigint);
      case 'DOUBLE': return appender.appendDouble(v as number);
      case 'BLOB': return appender.appendBlob(v as Buffer);
      default: return appender.appendVarchar(String(v));
    }
  });
  appender.endRow();
}

/** SELECT list that casts staged carrier columns to the destination's types. */
export function castExprs(columns: DataColumn[], type: (t: LogicalType) => string = toDuckdb): string[] {
  return columns.map((c, i) => (nested(c.type) ? `CAST(c${i}::JSON AS ${type(c.type)})` : `CAST(c${i} AS ${type(c.type)})`));
}
