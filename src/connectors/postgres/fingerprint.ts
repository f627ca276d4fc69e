import type { DataColumn } from '../data.js';
import { quoteIdent } from './connect.js';

/**
 * A slice's content fingerprint computed by PostgreSQL itself, over each row's text in one fixed
 * form (the canonical session settings): the row count and the sum of each row's 64-bit hash
 * (hashtextextended: a third cheaper than md5, and as wide as needed to tell rows apart), so row
 * order does not matter and a changed, missing or extra row changes it. Both ends of a
 * PostgreSQL → PostgreSQL copy compute it, independently of what OpenMMS read.
 */
export const FINGERPRINT_KIND = 'postgresql-row-hash64-v1';

/**
 * One column's text: json as jsonb's (a json source lands in jsonb, which normalises spacing and
 * key order), money as its number (it lands in numeric), everything else as PostgreSQL prints it.
 */
function columnText(c: DataColumn): string {
  const col = quoteIdent(c.name);
  if (c.native === 'money') return `${col}::numeric::text`;
  if (c.type.kind === 'json') return `${col}::jsonb::text`;
  return `${col}::text`;
}

/** The SELECT that fingerprints `from` (a FROM clause with its WHERE). */
export function fingerprintQuery(columns: DataColumn[], from: string): string {
  // ROW(...)::text quotes values and leaves NULL empty, so NULL and '' differ.
  const row = `hashtextextended(ROW(${columns.map(columnText).join(', ')})::text, 0)`;
  return `SELECT count(*)::text || ':' || coalesce(sum(${row}::numeric), 0)::text AS f FROM ${from}`;
}
