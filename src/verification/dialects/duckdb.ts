import { quoteIdent } from '../../connectors/sql.js';
import { duckDecimalText } from '../../connectors/duckdb/values.js';
import { epochDigits, PORTABLE_SCHEME } from '../canonical.js';
import { decimalTextSql, escapeSql, portableField, presence, rowText, type Dialect, type HashColumn } from './dialect.js';

const text = (e: string) => `CAST(${e} AS VARCHAR)`;

/** A DuckDB INTERVAL as the ISO 8601 text PostgreSQL prints (text-forms.ts's intervalToIso, in SQL). */
function isoInterval(col: string): string {
  const part = (unit: string) => `datepart('${unit}', ${col})`;
  const field = (unit: string, letter: string) => `CASE WHEN ${part(unit)} = 0 THEN '' ELSE ${text(part(unit))} || '${letter}' END`;
  const us = part('microseconds');
  const seconds = `CASE WHEN ${us} = 0 THEN '' ELSE CASE WHEN ${us} < 0 THEN '-' ELSE '' END || ${text(`abs(${us}) // 1000000`)}`
    + ` || CASE WHEN abs(${us}) % 1000000 = 0 THEN '' ELSE '.' || rtrim(lpad(${text(`abs(${us}) % 1000000`)}, 6, '0'), '0') END || 'S' END`;
  const time = `CASE WHEN ${part('hour')} = 0 AND ${part('minute')} = 0 AND ${us} = 0 THEN '' ELSE 'T' || ${field('hour', 'H')} || ${field('minute', 'M')} || ${seconds} END`;
  return `CASE WHEN ${col} = INTERVAL 0 SECOND THEN 'PT0S' ELSE 'P' || ${field('year', 'Y')} || ${field('month', 'M')} || ${field('day', 'D')} || ${time} END`;
}

/**
 * DuckDB tables and Parquet files read through DuckDB. In the lake's own files (`parquet`) a
 * time's offset and intervals are kept as their text (duckdb/types.ts toParquet).
 */
function duckDialect(intervalAsText: boolean): Dialect {
  const escape = escapeSql('chr');
  const canonical = (c: HashColumn): string => {
    const col = quoteIdent(c.name);
    if (c.compare === 'presence') return presence(col);
    switch (c.type.kind) {
      case 'boolean': return text(`CAST(${col} AS INTEGER)`);
      case 'decimal': return decimalTextSql(duckDecimalText(col));
      case 'float32':
      case 'float64':
        // BIT of a DOUBLE is its 64 bits, as a BLOB its 8 bytes high first.
        return `CASE WHEN isnan(${col}) THEN 'nan' ELSE lower(hex(CAST(CAST(CAST(${col} AS DOUBLE) AS BIT) AS BLOB))) END`;
      case 'char': return `rtrim(${text(col)}, ' ')`;
      case 'uuid': return `lower(${text(col)})`;
      case 'binary': return `lower(hex(${col}))`;
      case 'date': return `CASE WHEN isfinite(${col}) THEN ${text(`${col} - DATE '1970-01-01'`)} ELSE ${text(col)} END`;
      case 'timestamp':
      case 'timestamptz': return `CASE WHEN isfinite(${col}) THEN ${text(`${epochDigits(c.type) === 9 ? 'epoch_ns' : 'epoch_us'}(${col})`)} ELSE ${text(col)} END`;
      case 'time': return text(`(hour(${col}) * 3600 + minute(${col}) * 60) * 1000000 + microsecond(${col})`);
      case 'interval': return intervalAsText ? text(col) : isoInterval(col);
      case 'array':
      case 'map':
      case 'struct': return text(`to_json(${col})`);
      default: return text(col);
    }
  };
  return {
    schemes: [PORTABLE_SCHEME],
    rowHash(columns, scheme) {
      if (scheme !== PORTABLE_SCHEME) throw new Error(`DuckDB cannot compute ${scheme}`);
      const row = rowText(columns.map((c) => portableField({ canonical, escape }, c)), 'chr(31)');
      return `CAST('0x' || substr(md5(${row}), 1, 15) AS BIGINT)`;
    },
    canonical,
    escape,
    shown: (c) => text(quoteIdent(c.name)),
    text,
    ident: quoteIdent,
    quotient: (e, by) => `(${e}) // ${by}`,
    fence: '',
  };
}

export const duckdb = duckDialect(false);
export const parquet = duckDialect(true);
