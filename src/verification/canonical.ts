import { createHash } from 'node:crypto';
import type { Engine } from '../connectors/engines.js';
import type { LogicalType } from '../connectors/types/logical.js';

/**
 * The portable canonical text of a value: what each engine computes in its own SQL (dialects/*)
 * so that two engines print equal values alike, as reladiff and data-diff do. By logical type:
 *
 * | type | canonical text |
 * |---|---|
 * | boolean | `1` / `0` |
 * | int8 … int64 | the integer in decimal |
 * | decimal | plain decimal, the fraction's trailing zeros (and a bare point) dropped: `1.50` → `1.5` |
 * | float32, float64 | the IEEE 754 bits of the value as a double, 16 lower-case hex digits: `1.5` → `3ff8000000000000`, `-0` → `8000000000000000` (MariaDB holds no negative zero); `nan` for any NaN |
 * | char | the text without trailing spaces (engines pad CHAR differently) |
 * | string, varchar, timetz, json, nested | the text as the engine prints it (timetz `04:05:06.789+05:30`) |
 * | uuid | lower-case text |
 * | binary | lower-case hex |
 * | date | days since 1970-01-01, proleptic Gregorian (BC dates negative); `infinity`, `-infinity` |
 * | timestamp, timestamptz | microseconds since 1970-01-01 00:00 (UTC for timestamptz), nanoseconds for timestamp(9); `infinity`, `-infinity` |
 * | time | microseconds since midnight |
 * | interval | ISO 8601 as PostgreSQL prints it (IntervalStyle iso_8601): `P1Y2M3DT4H5M6.789S` |
 *
 * A row's text joins its columns with U+001F, each `v<text>` or `n` for NULL; its hash is the
 * first 60 bits of the MD5 of that text (UTF-8), a non-negative integer every engine holds. The
 * text of a column that can hold any character (FREE_TEXT) is escaped first, `\` → `\\` then
 * U+001F → `\s`, so no value can reach into its neighbour: the row's text is unambiguous, and
 * `('x␟vy', NULL)` and `('x', 'y␟n')` hash apart (v1 joined them unescaped). v3 writes a double as
 * its bits, where v2 wrote its shortest digits and exponent: both tell the same doubles apart, and
 * bits cost an engine a fraction of the text's string work (per 5M doubles PostgreSQL 3.7 s →
 * 0.2 s, DuckDB 2.3 s → 0.2 s, MariaDB 9.9 s → 5.4 s).
 */
export const PORTABLE_SCHEME = 'portable-md5-60-v3';

/** Kinds whose canonical text may hold any character (the others print digits, signs, letters and ISO punctuation only). */
const FREE_TEXT = new Set<LogicalType['kind']>(['string', 'varchar', 'char', 'json', 'timetz', 'array', 'map', 'struct']);

/** Whether a column's canonical text is escaped in the row's text (see PORTABLE_SCHEME). */
export const freeText = (t: LogicalType): boolean => FREE_TEXT.has(t.kind);

/**
 * Whether a column's content can be compared across two engines, or only whether it is NULL.
 * JSON landing in PostgreSQL's jsonb from another engine is re-formatted by jsonb (key order,
 * spacing, number forms), and nested values landing as another engine's native lists are printed
 * by different rules: for those pairs the fingerprint compares presence only, and says so.
 * `list`: a list of texts between PostgreSQL and DuckDB, compared by value as JSON whose `\u00XX`
 * escapes are written in upper case (DuckDB's way; PostgreSQL writes them in lower case).
 */
export type Compare = 'value' | 'presence' | 'list';

const family = (e: Engine) => (e === 'LAKE' ? 'DUCKDB' : e);

export function compareMode(t: LogicalType, source: Engine, destination: Engine, stringList = false): Compare {
  const same = family(source) === family(destination);
  if (t.kind === 'json') return destination === 'POSTGRESQL' && !same ? 'presence' : 'value';
  if (t.kind === 'array' || t.kind === 'map' || t.kind === 'struct') {
    // MariaDB's JSON and SQLite's TEXT keep the JSON text the source printed; arrays of integers or
    // booleans print alike as JSON in every engine, lists of texts (`stringList`: the source engine
    // says which) in PostgreSQL and DuckDB but for the case of their escapes.
    const plain = t.kind === 'array' && /^(boolean|int8|int16|int32|int64)$/.test(t.element.kind);
    if (same || plain || destination === 'MYSQL' || destination === 'SQLITE') return 'value';
    return stringList && t.kind === 'array' ? 'list' : 'presence';
  }
  return 'value';
}

/** A double's canonical text (see the table above). */
export function floatBits(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(x);
  return bytes.toString('hex');
}

/** `1.500` → `1.5`, `2.0` → `2`, `-0.0` → `0`. */
export function decimalText(text: string): string {
  const t = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return t === '-0' ? '0' : t;
}

/** The row hash: the first 60 bits of the MD5 of the row's text. */
export function hash60(text: string): bigint {
  return BigInt(`0x${createHash('md5').update(text, 'utf8').digest('hex').slice(0, 15)}`);
}

/** Seconds since 1970 of a proleptic Gregorian date-time in astronomical years (0 = 1 BC). */
function utcSeconds(year: number, month: number, day: number, h = 0, mi = 0, s = 0): bigint {
  // Days since 1970-01-01 in the proleptic Gregorian calendar, by 400-year eras (H. Hinnant's
  // days_from_civil): JavaScript's Date ends at the year 275760, PostgreSQL's timestamps at 294276.
  const y = year - (month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const days = era * 146097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719468;
  return BigInt(days) * 86_400n + BigInt(h * 3600 + mi * 60 + s);
}

const DATE_TEXT = /^(-?\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?(Z|[+-]\d\d(?::?\d\d){0,2})?( BC)?$/;

/** Fractional-second digits a timestamp's canonical text counts in: nanoseconds only for timestamp(9). */
export const epochDigits = (t: LogicalType) => (t.kind === 'timestamp' && t.precision > 6 ? 9 : 6);

/** Micro- (or nano-) seconds since 1970 of a date or timestamp text in the Value form (connectors/data.ts), or null if it is none. */
function epochUnits(text: string, digits: number): bigint | null {
  const m = DATE_TEXT.exec(text);
  if (!m) return null;
  const year = m[9] ? 1 - Number(m[1]) : Number(m[1]);
  const seconds = utcSeconds(year, Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const perSecond = 10n ** BigInt(digits);
  let units = seconds * perSecond + BigInt((m[7] ?? '').slice(0, digits).padEnd(digits, '0') || '0');
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const [hh = 0, mm = 0, ss = 0] = zone.slice(1).split(':').flatMap((p) => (p.length === 4 ? [p.slice(0, 2), p.slice(2)] : [p])).map(Number);
    const offset = BigInt(hh * 3600 + mm * 60 + ss) * perSecond;
    units += zone.startsWith('+') ? -offset : offset;
  }
  return units;
}

const TIME_TEXT = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;

/**
 * The canonical text of a value as SQLite stores it (the SQLite dialect calls this from SQL:
 * SQLite has no functions for most of the table above). Values SQLite holds in a form the copy
 * would not accept yield a text of their own, so they differ from whatever the other end holds.
 */
export function sqliteCanonical(v: unknown, t: LogicalType): string | null {
  if (v === null || v === undefined) return null;
  const raw = () => (Buffer.isBuffer(v) ? `x:${v.toString('hex')}` : `${typeof v}:${String(v)}`);
  if (t.kind === 'binary') return Buffer.isBuffer(v) ? v.toString('hex') : raw();
  const text = Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : null;
  switch (t.kind) {
    case 'boolean':
      return v === 0n || v === 1n || v === 0 || v === 1 ? String(Number(v)) : raw();
    case 'int8': case 'int16': case 'int32': case 'int64':
      return typeof v === 'bigint' ? String(v) : typeof v === 'number' && Number.isInteger(v) ? String(BigInt(v)) : raw();
    case 'float32': case 'float64':
      if (typeof v === 'number' || typeof v === 'bigint') return floatBits(Number(v));
      return text === 'NaN' ? 'nan' : text === '-0 (negative zero)' ? floatBits(-0) : raw();
    case 'decimal':
      return typeof v === 'bigint' ? String(v) : typeof v === 'number' ? decimalText(String(v)) : text === null ? raw() : decimalText(text);
    case 'date':
    case 'timestamp':
    case 'timestamptz': {
      if (text === 'infinity' || text === '-infinity') return text;
      const units = text === null ? null : epochUnits(text, epochDigits(t));
      if (units === null) return raw();
      return t.kind === 'date' ? String(units / 86_400_000_000n - (units % 86_400_000_000n < 0n ? 1n : 0n)) : String(units);
    }
    case 'time': {
      const m = text === null ? null : TIME_TEXT.exec(text);
      if (!m) return raw();
      return String((BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3]!)) * 1_000_000n + BigInt((m[4] ?? '').padEnd(6, '0') || '0'));
    }
    default: {
      const s = text ?? String(v);
      if (t.kind === 'char') return s.replace(/ +$/, '');
      return t.kind === 'uuid' ? s.toLowerCase() : s;
    }
  }
}
