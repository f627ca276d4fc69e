import { open, rm } from 'node:fs/promises';
import { NotTaken, type CopyWatch, type DataColumn } from '../data.js';
import { isDated, type LogicalType } from '../types/logical.js';
import { quoteLiteral } from './connect.js';
import { csvColumnLimit } from './resources.js';
import { toDuckdb } from './types.js';

/**
 * PostgreSQL → DuckDB through the engines' own CSV: PostgreSQL's COPY writes the slice's values in
 * the text its reader gives them, DuckDB's `read_csv` reads them back with its own threads, and
 * each is cast to its column's type as the appender's values are (values.ts castExprs). Only types
 * whose text casts to the same value as that path's: booleans (`t`/`f`), integers, doubles
 * (shortest round-trip text, read correctly rounded), decimals, texts, JSON, uuids, dates and
 * timestamps (a BC year turned astronomical, as text-forms.ts bcToAstronomical does); and only as
 * many columns as `read_csv` takes within DuckDB's memory limit.
 */
const LOADABLE = new Set<LogicalType['kind']>(['boolean', 'int8', 'int16', 'int32', 'int64', 'float64', 'decimal', 'string', 'varchar', 'char', 'json', 'uuid', 'date', 'timestamp', 'timestamptz']);

export const csvLoadable = (columns: DataColumn[]) => columns.length <= csvColumnLimit() && columns.every((c) => LOADABLE.has(c.type.kind) && !(c.type.kind === 'timestamp' && c.type.precision > 6));

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

/**
 * `read_csv` of a file PostgreSQL wrote (or of several, each row with its file's path in `filename`),
 * every column text: unquoted empty is NULL, `""` the empty text.
 */
export function readCsv(file: string | string[], columns: DataColumn[]): string {
  const names = columns.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  const files = typeof file === 'string' ? quoteLiteral(file) : `[${file.map(quoteLiteral).join(', ')}], filename = true`;
  return `read_csv(${files}, columns = {${names}}, header = false, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, new_line = '\\n', max_line_size = ${CSV_LINE_BYTES}, buffer_size = ${CSV_LINE_BYTES}, auto_detect = false)`;
}

/**
 * A failed load as its caller should see it. PostgreSQL writes well-formed CSV: what `read_csv`
 * refuses is a row past its line limit, and what a cast refuses is a value past DuckDB's range.
 * The appender's way (NotTaken) takes the first and names the row of the second.
 */
export const csvRefusal = (err: Error): Error => (/CSV Error|Parallel CSV Reader|Conversion Error/.test(err.message) ? new NotTaken(err.message) : err);

/**
 * Counts the rows of PostgreSQL's CSV as it streams: a row ends at a newline outside quotes (a
 * quoted text may hold newlines; `""` inside quotes is a quote, and toggling twice leaves it inside).
 */
export class CsvRowEnds {
  private quoted = false;

  /** From `from`, up to `max` row ends: how many, and the offset just past the last (the chunk's end when fewer). */
  scan(chunk: Buffer, from: number, max: number): { rows: number; end: number } {
    let rows = 0;
    let i = from;
    let quote = chunk.indexOf(34, i);
    while (rows < max) {
      if (!this.quoted) {
        const newline = chunk.indexOf(10, i);
        if (newline !== -1 && (quote === -1 || newline < quote)) {
          rows++;
          i = newline + 1;
          continue;
        }
      }
      if (quote === -1) return { rows, end: chunk.length };
      this.quoted = !this.quoted;
      i = quote + 1;
      quote = chunk.indexOf(34, i);
    }
    return { rows, end: i };
  }
}

/**
 * Writes a CSV stream into files (owner-only) of at most `rowsPerFile` rows each: `path(i)` names
 * the i-th, and `done(i)` is called once it is complete, while the next one fills (one `done` at a
 * time; an empty last file is not kept, but an empty stream gives one empty file). Tells `watch`
 * of rows and bytes as they pass; returns the rows.
 */
export async function writeCsvFiles(
  chunks: AsyncIterable<Buffer>, path: (i: number) => string, rowsPerFile: number, watch: CopyWatch, done: (i: number) => Promise<void>,
): Promise<number> {
  const ends = new CsvRowEnds();
  let [part, inPart, total] = [0, 0, 0];
  let file = await open(path(0), 'w', 0o600);
  let pending: Promise<void> = Promise.resolve();
  const finish = async (i: number) => {
    await file.close();
    await pending;
    pending = done(i);
    pending.catch(() => {}); // awaited at the next file or the end
  };
  try {
    for await (const chunk of chunks) {
      if (watch.signal.aborted) throw new Error('stopped');
      for (let at = 0; at < chunk.length; ) {
        const { rows, end } = ends.scan(chunk, at, rowsPerFile - inPart);
        await file.write(chunk.subarray(at, end));
        watch.progress(rows, end - at);
        [inPart, total, at] = [inPart + rows, total + rows, end];
        if (inPart === rowsPerFile) {
          await finish(part++);
          file = await open(path(part), 'w', 0o600);
          inPart = 0;
        }
      }
    }
    if (inPart > 0 || part === 0) await finish(part);
    else await file.close().then(() => rm(path(part)));
    await pending;
    return total;
  } finally {
    await file.close().catch(() => {});
    await pending.catch(() => {});
  }
}
