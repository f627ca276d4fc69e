import { quoteIdent } from '../../connectors/mysql/connect.js';
import { PORTABLE_SCHEME } from '../canonical.js';
import { portableField, presence, scientificSql, type Dialect, type TextFunctions } from './dialect.js';

const fns: TextFunctions = {
  before: (s, sep) => `SUBSTRING_INDEX(${s}, '${sep}', 1)`,
  after: (s, sep) => `IF(LOCATE('${sep}', ${s}) > 0, SUBSTRING_INDEX(${s}, '${sep}', -1), '')`,
  length: (s) => `CHAR_LENGTH(${s})`,
  trimZeros: (s, side) => `TRIM(${side} '0' FROM ${s})`,
  integer: (s) => `CAST(IF(${s} = '', '0', ${s}) AS SIGNED)`,
  concat: (parts) => `CONCAT(${parts.join(', ')})`,
};

/** Text in UTF-8 whatever the column's character set (latin1 'é' must hash as the other engines' 'é'). */
const utf8 = (e: string) => `CONVERT(${e} USING utf8mb4)`;

/** BIT and YEAR print as bytes and 4 digits; `+ 0` makes them the numbers they are. */
const numeric = (col: string, native?: string) => (/^(bit|year)/.test(native ?? '') ? `(${col} + 0)` : col);

export const mysql: Dialect = {
  // No SQL function reads a double's bits (PORTABLE_BITS_SCHEME).
  schemes: [PORTABLE_SCHEME],

  rowHash(columns, scheme) {
    if (scheme !== PORTABLE_SCHEME) throw new Error(`MariaDB cannot compute ${scheme}`);
    const parts = columns.map((c) => portableField(this, c, scheme, (a, b) => `CONCAT(${a}, ${b})`));
    return `CAST(CONV(LEFT(MD5(CONCAT_WS(CHAR(31), ${parts.join(', ') || "''"})), 15), 16, 10) AS UNSIGNED)`;
  },

  canonical(c) {
    const col = quoteIdent(c.name);
    if (c.compare === 'presence') return presence(col);
    switch (c.type.kind) {
      case 'boolean': return `CAST(${col} + 0 AS CHAR)`;
      case 'int8': case 'int16': case 'int32': case 'int64': return `CAST(${numeric(col, c.native)} AS CHAR)`;
      case 'decimal': {
        const x = `CAST(${numeric(col, c.native)} AS CHAR)`;
        return `IF(LOCATE('.', ${x}) > 0, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${x})), ${x})`;
      }
      case 'float32':
      case 'float64': {
        // MariaDB holds no NaN or infinity. The shortest text is printed once into a user variable
        // (CASE evaluates its WHEN first): the form below reads it a dozen times, and printing a
        // double is what costs.
        const d = `CAST(${col} AS DOUBLE)`;
        const t = `@${quoteIdent(`openmms:${c.name}`)}`;
        return `CASE WHEN (${t} := CAST(ABS(${d}) AS CHAR)) IS NULL THEN NULL WHEN ${d} = 0 THEN '0' ELSE CONCAT(IF(${d} < 0, '-', ''), ${scientificSql(t, fns)}) END`;
      }
      case 'char': return `TRIM(TRAILING ' ' FROM ${utf8(col)})`;
      case 'uuid': return `LOWER(${utf8(col)})`;
      case 'binary': return `LOWER(HEX(${col}))`;
      // TO_DAYS is proleptic Gregorian; a zero date has none (NULL, as the copy's opt-in makes it).
      case 'date': return `CAST(TO_DAYS(${col}) - 719528 AS CHAR)`;
      case 'timestamp':
      case 'timestamptz': return `CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ${col}) AS CHAR)`;
      // Signed: a TIME is a duration in MariaDB, and HOUR() and the others drop its sign.
      case 'time': return `CAST(CAST(TIME_TO_SEC(${col}) * 1000000 AS SIGNED) AS CHAR)`;
      default: return utf8(col);
    }
  },

  // On the UTF-8 bytes (0x5C and 0x1F never occur inside a multi-byte character): REPLACE on text would mix collations.
  escape: (s) => `CONVERT(REPLACE(REPLACE(CAST(${s} AS BINARY), 0x5C, 0x5C5C), 0x1F, 0x5C73) USING utf8mb4)`,
  shown: (c) => (c.type.kind === 'binary' ? `LOWER(HEX(${quoteIdent(c.name)}))` : utf8(`CAST(${numeric(quoteIdent(c.name), c.native)} AS CHAR)`)),
  text: (e) => `CAST(${e} AS CHAR)`,
  ident: quoteIdent,
  quotient: (e, by) => `(${e}) DIV ${by}`,
  // The intervals ORed on the key: the range optimizer reads each through the primary key.
  lookup: (from, key, intervals) => `(SELECT * FROM ${from}) s WHERE ${intervals.map(([lo, hi]) => `s.${quoteIdent(key)} BETWEEN ${lo} AND ${hi}`).join(' OR ')}`,
  fence: ' LIMIT 18446744073709551615',
};
