import type { Engine } from './engines.js';
import { toDuckdb, toParquet } from './duckdb/types.js';
import { toMysql } from './mysql/types.js';
import { toPostgres } from './postgres/types.js';
import { toSqlite } from './sqlite/types.js';
import { formatLogical, type LogicalType } from './types/logical.js';

/**
 * The fidelity contract: what each logical type becomes in each destination engine. Every pair is
 * exact (the same values, in that engine's type), mapped to a documented lossless representation,
 * or refused before the job starts. Values a type holds that an engine has no equal for (BC dates
 * in MariaDB, NaN in MariaDB, NUL in PostgreSQL text) are refused when the slice is read or
 * written, naming the table, column and row. docs/API.md's table is rendered from this one.
 */
export interface Fidelity {
  outcome: 'exact' | 'mapped' | 'refused';
  /** The destination column type. */
  as: string;
  /** For a mapping, the representation; for a refusal, why and what to do. */
  note?: string;
}

const DESTINATION_TYPE: Record<Engine, (t: LogicalType) => string> = {
  POSTGRESQL: toPostgres,
  MYSQL: toMysql,
  SQLITE: toSqlite,
  DUCKDB: toDuckdb,
  LAKE: toParquet,
};

const nested = (t: LogicalType) => t.kind === 'array' || t.kind === 'map' || t.kind === 'struct';
const MICROSECOND_ENGINES: ReadonlySet<Engine> = new Set<Engine>(['POSTGRESQL', 'MYSQL']);

export function fidelity(t: LogicalType, destination: Engine): Fidelity {
  const as = DESTINATION_TYPE[destination](t);
  const mapped = (note: string): Fidelity => ({ outcome: 'mapped', as, note });
  if ((t.kind === 'timestamp' || t.kind === 'timestamptz') && t.precision > 6 && MICROSECOND_ENGINES.has(destination)) {
    return {
      outcome: 'refused',
      as,
      note: `${destination === 'MYSQL' ? 'MariaDB' : 'PostgreSQL'} keeps microseconds, and nanoseconds would be rounded away: cast the column to microseconds at the source, or copy it to DuckDB, the lake or SQLite, which keep them`,
    };
  }
  switch (destination) {
    case 'POSTGRESQL':
      if (t.kind === 'json') return mapped('PostgreSQL normalises spacing and key order, and of duplicate keys keeps the last');
      if (nested(t) && as === 'jsonb') return mapped('the JSON text');
      return { outcome: 'exact', as };
    case 'MYSQL':
      switch (t.kind) {
        case 'boolean': return mapped('0 and 1');
        case 'timetz': return mapped("text with the offset, `04:05:06.789+05:30`");
        case 'timestamptz': return mapped('the instant in UTC');
        case 'interval': return mapped('ISO 8601 text, `P1Y2M3DT4H5M6.789S`');
        case 'uuid': return mapped('its text');
        case 'array': case 'map': case 'struct': return mapped('JSON text');
        case 'date': case 'timestamp': return { outcome: 'exact', as, note: 'years 1000 to 9999: dates before year 1 and infinity are refused by row' };
        case 'float32': case 'float64': return { outcome: 'exact', as, note: 'NaN, ±Infinity and -0 are refused by row' };
        default: return as === 'longtext' && t.kind === 'decimal' ? mapped('its exact decimal text (wider than DECIMAL(65,30))') : { outcome: 'exact', as };
      }
    case 'SQLITE':
      switch (t.kind) {
        case 'int8': case 'int16': case 'int32': case 'int64': case 'binary': case 'string': case 'varchar': case 'char': return { outcome: 'exact', as };
        case 'boolean': return mapped('0 and 1');
        case 'float32': case 'float64': return mapped("NaN and -0, which SQLite's REAL cannot hold, as the texts 'NaN' and '-0 (negative zero)'");
        case 'decimal': return mapped('its exact decimal text');
        case 'date': return mapped('text, `2024-01-31`, `0044-03-15 BC`');
        case 'time': return mapped('text, `10:00:00.5`');
        case 'timetz': return mapped('text with the offset, `04:05:06.789+05:30`');
        case 'timestamp': return mapped('text, `2024-01-31 10:00:00.5`');
        case 'timestamptz': return mapped('text in UTC, `2024-01-31 10:00:00.5+00`');
        case 'interval': return mapped('ISO 8601 text, `P1Y2M3DT4H5M6.789S`');
        case 'array': case 'map': case 'struct': return mapped('JSON text');
        default: return mapped('its text');
      }
    case 'DUCKDB':
    case 'LAKE':
      if (t.kind === 'decimal' && as === 'VARCHAR') return mapped('its exact decimal text (wider than DECIMAL(38))');
      if ((t.kind === 'timestamp' || t.kind === 'timestamptz') && t.precision <= 6) return { outcome: 'exact', as, note: 'instants after 294247-01-10 04:00:54.775806 are refused by row' };
      if (t.kind === 'array' && t.element.kind !== 'array') return { outcome: 'exact', as, note: 'a value of more dimensions is refused by row' };
      if (destination === 'LAKE' && t.kind === 'timetz') return mapped('text with the offset (Parquet keeps UTC times only)');
      if (destination === 'LAKE' && t.kind === 'interval') return mapped('ISO 8601 text (Parquet intervals have no sign)');
      return { outcome: 'exact', as };
  }
}

/** The logical types the contract lists, one of each shape. */
const LISTED: LogicalType[] = [
  { kind: 'boolean' }, { kind: 'int8' }, { kind: 'int16' }, { kind: 'int32' }, { kind: 'int64' },
  { kind: 'decimal', precision: 18, scale: 4 }, { kind: 'decimal', precision: 60, scale: 10 }, { kind: 'decimal', precision: 100, scale: 10 },
  { kind: 'float32' }, { kind: 'float64' }, { kind: 'char', length: 5 }, { kind: 'varchar', length: 20 }, { kind: 'string' }, { kind: 'binary' },
  { kind: 'date' }, { kind: 'time' }, { kind: 'timetz' }, { kind: 'timestamp', precision: 6 }, { kind: 'timestamp', precision: 9 },
  { kind: 'timestamptz', precision: 6 }, { kind: 'interval' }, { kind: 'uuid' }, { kind: 'json' },
  { kind: 'array', element: { kind: 'int32' } }, { kind: 'map', key: { kind: 'string' }, value: { kind: 'int64' } },
];

const DESTINATIONS: Engine[] = ['POSTGRESQL', 'MYSQL', 'SQLITE', 'DUCKDB', 'LAKE'];

/** The contract as a Markdown table (docs/API.md, "Fidelity"; a test keeps the two the same). */
export function fidelityTable(): string {
  const cell = (f: Fidelity) => {
    const text = f.outcome === 'exact' ? `\`${f.as}\`` : f.outcome === 'mapped' ? `\`${f.as}\`: ${f.note}` : `**refused**: ${f.note}`;
    return f.outcome === 'exact' && f.note ? `${text} (${f.note})` : text;
  };
  const rows = LISTED.map((t) => `| \`${formatLogical(t)}\` | ${DESTINATIONS.map((d) => cell(fidelity(t, d))).join(' | ')} |`);
  return [`| logical type | ${DESTINATIONS.join(' | ')} |`, `|---|${DESTINATIONS.map(() => '---').join('|')}|`, ...rows].join('\n');
}
