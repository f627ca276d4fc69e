import type { Engine } from './engines.js';

export type NameKind = 'database' | 'table' | 'column';

/** Longest identifier each engine keeps whole (PostgreSQL cuts longer ones silently; MySQL refuses them). */
const MAX_IDENTIFIER: Partial<Record<Engine, { bytes?: number; chars?: number }>> = {
  POSTGRESQL: { bytes: 63 },
  MYSQL: { chars: 64 },
};

/** Databases (schemas) an engine keeps for itself: a table written there would sit among its catalog, or fail. */
const SYSTEM_DATABASES: Partial<Record<Engine, { names: RegExp; why: string }>> = {
  POSTGRESQL: { names: /^(information_schema|pg_.*)$/, why: 'PostgreSQL keeps information_schema and the pg_ schemas for itself' },
  MYSQL: { names: /^(information_schema|performance_schema|mysql|sys)$/i, why: 'MySQL keeps information_schema, performance_schema, mysql and sys for itself' },
  DUCKDB: { names: /^(information_schema|pg_catalog|temp|system)$/i, why: 'DuckDB keeps information_schema, pg_catalog, temp and system for itself' },
};

/**
 * Whether the engine takes two names of a kind that differ only in letter case for one: MySQL's
 * columns always (its tables where the server folds them: taken alike, to be safe), DuckDB's and
 * SQLite's identifiers, and a lake's columns, which DuckDB reads (its folders are case-sensitive).
 */
export function caseless(engine: Engine, kind: NameKind): boolean {
  return engine === 'MYSQL' || engine === 'DUCKDB' || engine === 'SQLITE' || (engine === 'LAKE' && kind === 'column');
}

/** The key under which the engine takes names of a kind for one (see caseless). */
export const nameKey = (engine: Engine, kind: NameKind, name: string): string => (caseless(engine, kind) ? name.toLowerCase() : name);

/**
 * Why a name cannot be a destination database, table or column on an engine, or null when it can.
 * SQL engines quote every identifier, so only what the engine cannot hold is refused; a lake's
 * database and table names are folder names, so they must be one plain path segment that its
 * readers do not skip (`.`/`_` prefixes are hidden files to Hive, Spark and OpenMMS alike).
 */
export function destinationNameProblem(engine: Engine, kind: NameKind, name: string): string | null {
  if (!name.trim()) return `the ${kind} name is empty`;
  if (name.includes('\0')) return `the ${kind} name contains a NUL character`;
  const max = MAX_IDENTIFIER[engine];
  if (max?.bytes !== undefined && Buffer.byteLength(name) > max.bytes) return `${engine} keeps ${kind} names of at most ${max.bytes} bytes`;
  if (max?.chars !== undefined && [...name].length > max.chars) return `${engine} keeps ${kind} names of at most ${max.chars} characters`;
  const system = SYSTEM_DATABASES[engine];
  if (kind === 'database' && system?.names.test(name)) return system.why;
  if (engine === 'LAKE' && kind !== 'column') {
    if (/[/\\]/.test(name) || /[\x00-\x1f\x7f]/.test(name)) return `a lake ${kind} name is a folder name: no '/', '\\' or control characters`;
    if (name === '.' || name === '..' || /^[._]/.test(name)) return `a lake ${kind} name cannot start with '.' or '_' (such folders are hidden from readers)`;
    if (Buffer.byteLength(name) > 250) return `a lake ${kind} name is a folder name of at most 250 bytes`;
    // `<root>/x.db` is where the lake keeps database x: a table folder of that name would hold another database's tables.
    if (kind === 'table' && /\.db$/i.test(name)) return "a lake table name cannot end in '.db' (Hive reads such a folder as a database)";
  }
  return null;
}
