import { isUtf8 } from 'node:buffer';
import type { Value } from '../data.js';
import type { LogicalType } from '../types/logical.js';

/**
 * SQLite keeps each value by its storage class (NULL, INTEGER, REAL, TEXT, BLOB), whatever the
 * column's declared type. A value is brought to its column's logical type only where that loses
 * nothing; anything else is refused with the reason, never guessed ('false' is not false, 'abc'
 * is no number, a blob that is not UTF-8 is no text).
 */
export class StorageClassMismatch extends Error {
  override name = 'StorageClassMismatch';
}

/**
 * Doubles SQLite cannot hold as REAL: NaN (it becomes NULL) and -0 (stored as the integer 0). They
 * are kept as these texts in the REAL column (texts SQLite does not take for numbers), and read
 * back as the doubles.
 */
const NAN_TEXT = 'NaN';
const NEGATIVE_ZERO_TEXT = '-0 (negative zero)';
const SPECIAL_DOUBLES = new Map<string, number>([[NAN_TEXT, Number.NaN], [NEGATIVE_ZERO_TEXT, -0]]);

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `the INTEGER ${v}`;
  if (typeof v === 'number') return `the REAL ${v}`;
  if (Buffer.isBuffer(v)) return `a BLOB of ${v.length} bytes`;
  const s = String(v);
  return `the TEXT '${s.length > 40 ? `${s.slice(0, 40)}…` : s}'`;
}

const refuse = (v: unknown, t: LogicalType, why = ''): never => {
  throw new StorageClassMismatch(`${describe(v)} is not a ${t.kind} value${why}`);
};

const RANGES: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** An INTEGER, or a REAL with no fraction that an integer holds exactly. */
function integer(v: unknown, t: LogicalType): bigint {
  const n = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : refuse(v, t);
  const [lo, hi] = RANGES[t.kind]!;
  return n < lo || n > hi ? refuse(v, t, ' (out of range)') : n;
}

/** Reads one value of a column of logical type `t` (values come with safe integers on: INTEGER is a bigint). */
export function fromSqlite(v: unknown, t: LogicalType): Value {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'boolean':
      if (v === 0n || v === 1n || v === 0 || v === 1) return v === 1n || v === 1;
      return refuse(v, t, ' (SQLite booleans are 0 and 1)');
    case 'int8':
    case 'int16':
    case 'int32':
      return Number(integer(v, t));
    case 'int64':
      return integer(v, t);
    case 'float32':
    case 'float64':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint' && BigInt(Number(v)) === v) return Number(v);
      if (typeof v === 'string' && SPECIAL_DOUBLES.has(v)) return SPECIAL_DOUBLES.get(v)!;
      return refuse(v, t);
    case 'binary':
      return Buffer.isBuffer(v) ? v : refuse(v, t, ' (store bytes as BLOBs, or declare the column TEXT)');
    default: {
      // Text-like types (text, decimal, dates, json…) take TEXT (read as its bytes: readsTextBytes) and
      // BLOBs that are UTF-8, numbers by their exact decimal form.
      const text =
        typeof v === 'bigint' ? String(v)
        : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : refuse(v, t))
        : typeof v === 'string' ? v
        : isUtf8(v as Buffer) ? (v as Buffer).toString('utf8') : notUtf8(v as Buffer, t);
      // SQLite keeps anything in a DATE column; another engine's date would drop a time of day.
      if (t.kind === 'date' && !PURE_DATE.test(text)) return refuse(text, t, ' (only YYYY-MM-DD is a date: declare the column DATETIME to keep a time of day, or store the date alone)');
      return text;
    }
  }
}

/** A date and nothing else: what the copy writes as a date without changing it. */
const PURE_DATE = /^\d{4,}-\d\d-\d\d( BC)?$/;

/** A TEXT (read as its bytes) or BLOB that is not UTF-8, in a column of text. */
const notUtf8 = (v: Buffer, t: LogicalType): never => {
  throw new StorageClassMismatch(`the value x'${v.subarray(0, 32).toString('hex')}${v.length > 32 ? '…' : ''}' is not UTF-8 text, which a ${t.kind} column holds (SQLite stores TEXT bytes unchecked)`);
};

/**
 * Whether a column of type `t` is read as the bytes of its TEXT values (CAST AS BLOB), not as the
 * text SQLite hands over: SQLite stores TEXT unchecked and decodes bytes that are not UTF-8 into
 * U+FFFD, so only the bytes show what a value really is (fromSqlite refuses those that are not UTF-8).
 */
export const readsTextBytes = (t: LogicalType): boolean => !['boolean', 'int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'binary'].includes(t.kind);

export function toSqliteValue(v: Value): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isNaN(v)) return NAN_TEXT;
  if (Object.is(v, -0)) return NEGATIVE_ZERO_TEXT;
  return v;
}
