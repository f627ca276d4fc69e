import { quoteIdent } from '../../connectors/sql.js';
import { PORTABLE_SCHEME } from '../canonical.js';
import { decimalTextSql, escapeSql, portableField, presence, rowText, type Dialect, type HashColumn } from './dialect.js';

/**
 * PostgreSQL → PostgreSQL compares each row's text as PostgreSQL itself prints it under the
 * canonical session settings (json as jsonb's, money as its number): cheaper than the portable
 * texts, and exact for every type the two ends share.
 */
export const POSTGRES_NATIVE_SCHEME = 'postgresql-row-hash-60-v2';

/**
 * A value as its type's output function prints it, as COPY does: `::text` is not always that
 * (inet's cast keeps the netmask, `::1/128`, where the output prints `::1`). NULL only for a NULL
 * value: `IS NULL` also holds for a composite whose fields are all NULL, which COPY prints `(,)`.
 */
const printed = (col: string) => `CASE WHEN num_nulls(${col}) = 1 THEN NULL ELSE concat(${col}) END`;

/**
 * One column in the native scheme's ROW, which prints each value with its type's output function
 * (as COPY does): a column of one type at both ends as it is (json keeps its spacing, key order and
 * duplicate keys); else json as jsonb (a json column an older copy made jsonb), money as its number.
 */
function nativeText(c: HashColumn): string {
  const col = quoteIdent(c.name);
  if (c.sameType && c.native !== 'money') return col;
  if (c.native === 'money') return `${col}::numeric`;
  if (c.type.kind === 'json') return `${col}::jsonb`;
  return col;
}

/**
 * JSON text with its `\u00XX` escapes in upper case, as DuckDB writes them (canonical.ts `list`).
 * An escaped backslash is set aside first (as chr(1), which JSON text never holds raw), so that a
 * text holding a backslash and `u001f` is not taken for an escape.
 */
function upperEscapes(json: string): string {
  const hex = ['000b', '000e', '000f', '001a', '001b', '001c', '001d', '001e', '001f'];
  const upper = hex.reduce((x, h) => `replace(${x}, '\\u${h}', '\\u${h.toUpperCase()}')`, `replace(${json}, '\\\\', chr(1))`);
  return `replace(${upper}, chr(1), '\\\\')`;
}

export const postgres: Dialect = {
  schemes: [POSTGRES_NATIVE_SCHEME, PORTABLE_SCHEME],

  rowHash(columns, scheme) {
    // ROW(...)::text quotes values and leaves NULL empty, so NULL and '' differ.
    if (scheme === POSTGRES_NATIVE_SCHEME) return `(hashtextextended(ROW(${columns.map(nativeText).join(', ')})::text, 0) & 1152921504606846975)`;
    if (scheme !== PORTABLE_SCHEME) throw new Error(`PostgreSQL cannot compute ${scheme}`);
    return `('x' || substr(md5(${rowText(columns.map((c) => portableField(this, c)), 'chr(31)')}), 1, 15))::bit(60)::bigint`;
  },

  canonical(c) {
    const col = quoteIdent(c.name);
    if (c.compare === 'presence') return presence(col);
    switch (c.type.kind) {
      case 'boolean': return `${col}::int::text`;
      case 'decimal': {
        // A numeric prints a point where its scale is positive: scale() tells it without printing
        // the value twice. A column of another type (a destination table made before) is printed.
        const n = c.native === 'money' ? `${col}::numeric` : /^numeric\b/.test(c.native ?? '') ? col : null;
        return n === null ? decimalTextSql(`${col}::text`) : `CASE WHEN scale(${n}) > 0 THEN rtrim(rtrim(${n}::text, '0'), '.') ELSE ${n}::text END`;
      }
      // An integer's cast to text is its output function's text (concat's detour costs a sixth more).
      case 'int8':
      case 'int16':
      case 'int32':
      case 'int64': return `${col}::text`;
      case 'float32':
      case 'float64':
        // Every NaN is equal to 'NaN' in PostgreSQL.
        return `CASE WHEN ${col} = 'NaN' THEN 'nan' ELSE encode(float8send(${col}::float8), 'hex') END`;
      case 'char': return `rtrim(${col}::text, ' ')`;
      case 'uuid': return `lower(${col}::text)`;
      case 'binary': return `encode(${col}, 'hex')`;
      case 'date': return `CASE WHEN isfinite(${col}) THEN (${col} - DATE '1970-01-01')::text ELSE ${col}::text END`;
      case 'timestamp':
      case 'timestamptz': return `CASE WHEN isfinite(${col}) THEN (extract(epoch FROM ${col}) * 1000000)::numeric(30,0)::text ELSE ${col}::text END`;
      case 'time': return `(extract(epoch FROM ${col}) * 1000000)::numeric(20,0)::text`;
      // JSON has no array bounds: an array starting at another index than 1 is its dimensions and its JSON.
      case 'array': {
        const json = `CASE WHEN array_dims(${col}) !~ '^(\\[1:\\d+\\])+$' THEN array_dims(${col}) || '=' || to_json(${col})::text ELSE to_json(${col})::text END`;
        return c.compare === 'list' ? upperEscapes(json) : json;
      }
      case 'map':
      case 'struct': return `to_json(${col})::text`;
      // text, json (as printed), timetz and interval (IntervalStyle iso_8601: the reader's and writer's sessions set it).
      default: return printed(col);
    }
  },

  escape: escapeSql('chr'),
  shown: (c) => printed(quoteIdent(c.name)),
  text: (e) => `(${e})::text`,
  ident: quoteIdent,
  quotient: (e, by) => `(${e}) / ${by}`,
  // A LATERAL subquery runs once per interval, each an index scan of its keys alone; a join on the
  // intervals would let the planner scan the slice once per interval instead.
  lookup: (from, key, intervals) => {
    const array = (i: 0 | 1) => `'{${intervals.map((iv) => iv[i]).join(',')}}'::bigint[]`;
    const k = `s.${quoteIdent(key)}`;
    return `(SELECT s.* FROM unnest(${array(0)}, ${array(1)}) AS r(lo, hi) CROSS JOIN LATERAL (SELECT * FROM (SELECT * FROM ${from}) s WHERE ${k} >= r.lo AND ${k} <= r.hi OFFSET 0) s) s`;
  },
  fence: ' OFFSET 0',
};
