import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { linesIn, type CopyWatch, type DataColumn } from '../data.js';
import { isDated, type LogicalType } from '../types/logical.js';
import { quoteLiteral } from './connect.js';
import { toDuckdb } from './types.js';

/**
 * PostgreSQL → DuckDB through the engines' own CSV: PostgreSQL's COPY writes the slice's values in
 * the text its reader gives them, DuckDB's `read_csv` reads them back with its own threads, and
 * each is cast to its column's type as the appender's values are (values.ts castExprs). Only types
 * whose text casts to the same value as that path's: booleans (`t`/`f`), integers, doubles
 * (shortest round-trip text, read correctly rounded), decimals, texts, JSON, uuids, dates and
 * timestamps (a BC year turned astronomical, as text-forms.ts bcToAstronomical does).
 */
const LOADABLE = new Set<LogicalType['kind']>(['boolean', 'int8', 'int16', 'int32', 'int64', 'float64', 'decimal', 'string', 'varchar', 'char', 'json', 'uuid', 'date', 'timestamp', 'timestamptz']);

export const csvLoadable = (columns: DataColumn[]) => columns.every((c) => LOADABLE.has(c.type.kind) && !(c.type.kind === 'timestamp' && c.type.precision > 6));

/** SQL of bcToAstronomical: `0044-03-15 BC` → `-0043-03-15`, `0001-… BC` → `0000-…`. */
function astronomical(col: string): string {
  const year = `(1 - CAST(split_part(${col}, '-', 1) AS INTEGER))`;
  const rest = `regexp_extract(${col}, '^[0-9]{4,}(-.*) BC$', 1)`;
  return `CASE WHEN ${col} LIKE '% BC' THEN CASE WHEN ${year} < 0 THEN '-' ELSE '' END || lpad(CAST(abs(${year}) AS VARCHAR), 4, '0') || ${rest} ELSE ${col} END`;
}

/** The SELECT list casting the CSV's text columns c0, c1, … to the destination's types. */
export const csvCastExprs = (columns: DataColumn[]) => columns.map((c, i) => `CAST(${isDated(c.type) ? astronomical(`c${i}`) : `c${i}`} AS ${toDuckdb(c.type)})`);

/**
 * The longest CSV row `read_csv` takes, and its buffer: each reading thread holds a few such
 * buffers that cannot spill, so they must stay small beside the memory limit (8 MB buffers made
 * 48 MB instances fail every 5M-row load). A longer row fails the load (NotTaken) and the slice
 * goes the appender's way instead.
 */
export const CSV_LINE_BYTES = 2 * 2 ** 20;

/** `read_csv` of a file PostgreSQL wrote, every column text: unquoted empty is NULL, `""` the empty text. */
export function readCsv(file: string, columns: DataColumn[]): string {
  const names = columns.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  return `read_csv(${quoteLiteral(file)}, columns = {${names}}, header = false, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, new_line = '\\n', max_line_size = ${CSV_LINE_BYTES}, buffer_size = ${CSV_LINE_BYTES}, auto_detect = false)`;
}

/** Writes a CSV stream to `file` (owner-only), telling `watch` of its bytes and lines (rows, but for a text holding a newline). */
export async function writeCsv(chunks: AsyncIterable<Buffer>, file: string, watch: CopyWatch): Promise<void> {
  const counted = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      if (watch.signal.aborted) throw new Error('stopped');
      watch.progress(linesIn(chunk), chunk.length);
      yield chunk;
    }
  };
  await pipeline(chunks, counted, createWriteStream(file, { mode: 0o600 }));
}
