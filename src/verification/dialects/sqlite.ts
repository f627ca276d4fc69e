import { quoteIdent, quoteLiteral } from '../../connectors/sql.js';
import type { LogicalType } from '../../connectors/types/logical.js';
import { epochDigits, hash60, PORTABLE_SCHEME, sqliteCanonical } from '../canonical.js';

/** The kind name the SQL passes for timestamp(9), whose canonical text counts nanoseconds. */
const NANOS = 'timestamp_ns';
import { escapeSql, portableField, presence, rowText, type Dialect } from './dialect.js';

/**
 * SQLite has no MD5 and few text functions: the canonical texts and the hash are JavaScript
 * functions SQLite calls (FUNCTIONS), over the values as SQLite stores them — not through the
 * reader's conversions, so a reader's mistake does not hide itself.
 */
export const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  openmms_canonical: (kind, v) => sqliteCanonical(v, (kind === NANOS ? { kind: 'timestamp', precision: 9 } : { kind }) as LogicalType),
  openmms_hash60: (text) => hash60(String(text)),
};

export const sqlite: Dialect = {
  schemes: [PORTABLE_SCHEME],
  rowHash(columns, scheme) {
    if (scheme !== PORTABLE_SCHEME) throw new Error(`SQLite cannot compute ${scheme}`);
    return `openmms_hash60(${rowText(columns.map((c) => portableField(this, c)), 'char(31)')})`;
  },
  canonical: (c) => (c.compare === 'presence' ? presence(quoteIdent(c.name)) : `openmms_canonical(${quoteLiteral(epochDigits(c.type) === 9 ? NANOS : c.type.kind)}, ${quoteIdent(c.name)})`),
  escape: escapeSql('char'),
  shown: (c) => quoteIdent(c.name),
  text: (e) => `CAST(${e} AS TEXT)`,
  ident: quoteIdent,
  quotient: (e, by) => `(${e}) / ${by}`,
  fence: ' LIMIT -1',
};
