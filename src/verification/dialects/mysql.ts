import { quoteIdent } from '../../connectors/mysql/connect.js';
import { PORTABLE_SCHEME } from '../canonical.js';
import { portableField, presence, type Dialect } from './dialect.js';

/** Text in UTF-8 whatever the column's character set (latin1 'é' must hash as the other engines' 'é'). */
const utf8 = (e: string) => `CONVERT(${e} USING utf8mb4)`;

/** BIT and YEAR print as bytes and 4 digits; `+ 0` makes them the numbers they are. */
const numeric = (col: string, native?: string) => (/^(bit|year)/.test(native ?? '') ? `(${col} + 0)` : col);

/**
 * A double's IEEE 754 bits (canonical.ts), worked out by arithmetic: no SQL function of
 * MariaDB reads them. Every step is exact: the exponent from LOG2, corrected by one where LOG2
 * rounded across a power of two (and capped at 1023: it may round the largest doubles up to 1024,
 * past what POW holds); the value divided by that power of two, a significand in [1, 2); its
 * fraction times 2^52, an integer. A subnormal is a multiple of 2^-1074. MariaDB holds no NaN,
 * infinity or negative zero. No user variables: one read before its statement assigned it is typed
 * by the value it held before (5e-324 read as 0 in a session's first statement), and arithmetic
 * costs little next to the MD5.
 */
function doubleBits(col: string): string {
  const a = `ABS(CAST(${col} AS DOUBLE))`;
  const e0 = `LEAST(FLOOR(LOG2(${a})), 1023)`;
  const e = `(${e0} + (${a} / POW(2, ${e0}) >= 2) - (${a} / POW(2, ${e0}) < 1))`;
  const hex = (bits: string) => `LOWER(LPAD(HEX(IF(${col} < 0, 9223372036854775808, 0) | ${bits}), 16, '0'))`;
  return `CASE WHEN ${col} IS NULL THEN NULL WHEN ${col} = 0 THEN '0000000000000000' `
    + `WHEN ${a} < 2.2250738585072014e-308 THEN ${hex(`CAST(${a} / 4.9406564584124654e-324 AS UNSIGNED)`)} `
    + `ELSE ${hex(`((${e} + 1023) << 52) | CAST((${a} / POW(2, ${e}) - 1) * 4503599627370496 AS UNSIGNED)`)} END`;
}

export const mysql: Dialect = {
  schemes: [PORTABLE_SCHEME],

  rowHash(columns, scheme) {
    if (scheme !== PORTABLE_SCHEME) throw new Error(`MariaDB cannot compute ${scheme}`);
    const parts = columns.map((c) => portableField(this, c, (a, b) => `CONCAT(${a}, ${b})`));
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
      case 'float64': return doubleBits(col);
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
