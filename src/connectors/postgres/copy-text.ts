import { StringDecoder } from 'node:string_decoder';
import { convertRow, ValueRefused, type DataColumn, type Row, type Value } from '../data.js';
import type { LogicalType } from '../types/logical.js';

/** PostgreSQL's COPY text format: tab-separated fields, `\N` for NULL, backslash escapes. */

const UNESCAPE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

function unescapeField(f: string): string {
  if (!f.includes('\\')) return f;
  return f.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return UNESCAPE[e] ?? e;
  });
}

/** Text as COPY prints it → the Value of a logical type. */
export function fromCopyText(text: string, type: LogicalType): Value {
  switch (type.kind) {
    case 'boolean': return text === 't';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'float64': return Number(text);
    // PostgreSQL prints the shortest text that reads back as the same float32: widen it exactly.
    case 'float32': return Math.fround(Number(text));
    case 'int64': return BigInt(text);
    case 'binary': return Buffer.from(text.slice(2), 'hex');
    case 'array':
      // reader.ts marks an array whose bounds its JSON text would lose (the text starts `!`).
      if (text.startsWith('!')) throw new ValueRefused(`the array ${text.slice(1)} starts at another index than 1, which only a PostgreSQL destination column of the same type keeps; rebase it at the source (array_lower = 1) or copy into PostgreSQL`);
      return text;
    default: return text;
  }
}

/** Splits a COPY TO STDOUT stream of `table`'s `columns` into rows of Values, batch by batch. */
export async function* readCopyRows(stream: AsyncIterable<Buffer>, table: string, columns: DataColumn[], batchSize: number): AsyncGenerator<Row[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let batch: Row[] = [];
  let n = 0;
  const toRow = (line: string): Row => convertRow(table, columns, line.split('\t'), ++n, (f, i) => (f === '\\N' ? null : fromCopyText(unescapeField(f as string), columns[i]!.type)));
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      batch.push(toRow(line));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  rest += decoder.end();
  if (rest) batch.push(toRow(rest));
  if (batch.length) yield batch;
}

const ESCAPE: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = new RegExp(SPECIAL.source, 'g');
// Most texts hold none of the four: testing first spares a new string per field (the copy's GC).
const escapeText = (s: string) => (SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ESCAPE[c]!) : s);

/** A Value → one COPY FROM STDIN field for a column of the given type. */
export function toCopyText(v: Value, type: LogicalType): string {
  if (v === null) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
  if (type.kind === 'array') return escapeText(jsonToArrayLiteral(v));
  return escapeText(v);
}

export function encodeCopyRow(row: Row, types: LogicalType[], tail: string[] = []): string {
  // A loop of concatenations: this runs once per row copied, and arrays built to be joined cost more.
  let line = '';
  let sep = '';
  for (let i = 0; i < row.length; i++, sep = '\t') line += sep + toCopyText(row[i]!, types[i]!);
  for (const t of tail) {
    line += sep + escapeText(t);
    sep = '\t';
  }
  return `${line}\n`;
}

/** JSON array text (how nested values travel) → a PostgreSQL array literal. */
function jsonToArrayLiteral(json: string): string {
  const render = (v: unknown): string => {
    if (v === null) return 'NULL';
    if (Array.isArray(v)) return `{${v.map(render).join(',')}}`;
    const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  };
  return render(JSON.parse(json));
}
