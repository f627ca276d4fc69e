import type { LogicalType } from '../../connectors/types/logical.js';
import { freeText, type Compare } from '../canonical.js';

/** A column as the fingerprint sees it: the logical type decides its canonical text. */
export interface HashColumn {
  name: string;
  type: LogicalType;
  /** The engine's own type name where known: MariaDB BIT and YEAR, PostgreSQL money and json. */
  native?: string;
  /** Both ends have this column in the same native type (a copy between two of one engine kept it): compared as printed. */
  sameType?: boolean;
  compare: Compare;
}

/** How one engine's SQL computes the canonical texts and row hashes of canonical.ts. */
export interface Dialect {
  /** The schemes this engine computes, the one it prefers first: two ends hash by the first both compute. */
  schemes: readonly string[];
  /** The row's hash: a non-negative integer below 2^60, in the engine's integer type. */
  rowHash(columns: HashColumn[], scheme: string): string;
  /** The column's canonical text (NULL for NULL). */
  canonical(column: HashColumn): string;
  /** `s` with `\` doubled and U+001F as `\s` (canonical.ts PORTABLE_SCHEME), in the engine's SQL. */
  escape(s: string): string;
  /** The value as the engine prints it, for a report. */
  shown(column: HashColumn): string;
  /** Any integer expression as text. */
  text(expr: string): string;
  /** A column's name, quoted as the engine quotes it. */
  ident(name: string): string;
  /** An integer expression divided by a positive integer, rounded toward zero (as all these engines divide integers). */
  quotient(expr: string, by: bigint): string;
  /**
   * The rows of `from` (a FROM item) whose integer `key` lies in one of `intervals` (inclusive),
   * found interval by interval through an index on the key, as a FROM item of `from`'s columns.
   * Only for an end whose key is so indexed (HashedSlice.lookups); without it, the caller reads
   * the whole slice and keeps the rows of the groups it names.
   */
  lookup?(from: string, key: string, intervals: [bigint, bigint][]): string;
  /**
   * Appended to the subquery that computes each row's hash, so the planner keeps it a subquery:
   * merged into the outer query, the hash would be computed once per reference to it.
   */
  fence: string;
}

/** canonical.ts's `decimalText` in the SQL PostgreSQL and DuckDB share: a fraction's trailing zeros and a bare point dropped. */
export const decimalTextSql = (x: string) => `CASE WHEN strpos(${x}, '.') > 0 THEN rtrim(rtrim(${x}, '0'), '.') ELSE ${x} END`;

/**
 * The portable row text: `fields` joined by `separator` (U+001F in the engine's SQL), '' for none,
 * as a balanced tree of `||`. A chain would nest one level per column, and a table of a few hundred
 * columns would pass SQLite's and DuckDB's expression depth limit (1000); the text is the same.
 */
export function rowText(fields: string[], separator: string): string {
  if (fields.length <= 1) return fields[0] ?? "''";
  const half = Math.ceil(fields.length / 2);
  return `(${rowText(fields.slice(0, half), separator)} || ${separator} || ${rowText(fields.slice(half), separator)})`;
}

/** NULL stays NULL; any other value is the empty text (a column compared by presence only). */
export const presence = (col: string) => `CASE WHEN ${col} IS NULL THEN NULL ELSE '' END`;

/**
 * A column's field in the portable row text: `v` and its canonical text (escaped where it is free
 * text), or `n` for NULL. `concat` joins two texts in the engine's SQL (`||` where not given).
 */
export function portableField(d: Pick<Dialect, 'canonical' | 'escape'>, c: HashColumn, concat = (a: string, b: string) => `${a} || ${b}`): string {
  const text = d.canonical(c);
  return `coalesce(${concat("'v'", c.compare !== 'presence' && freeText(c.type) ? d.escape(text) : text)}, 'n')`;
}

/** The escape in SQL whose `chr(n)` gives a character and `||` joins (PostgreSQL, DuckDB, SQLite with `char`). */
export const escapeSql = (chr: 'chr' | 'char') => (s: string) => `replace(replace(${s}, ${chr}(92), ${chr}(92) || ${chr}(92)), ${chr}(31), ${chr}(92) || 's')`;
