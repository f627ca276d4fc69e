/** The engines OpenMMS connects to, as source and as destination (see DESIGN.md, "Engines"). */
export const ENGINES = ['POSTGRESQL', 'MYSQL', 'SQLITE', 'DUCKDB', 'LAKE'] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * Destinations that are one file with one writer: tasks writing one take turns (concurrent
 * writers fail each other with catalog conflicts or locks). On the others (servers, the lake's
 * folder per partition) each slice is replaced on its own, so tasks run side by side.
 */
export const SINGLE_WRITER: ReadonlySet<Engine> = new Set<Engine>(['SQLITE', 'DUCKDB']);

/**
 * What names a server engine's endpoint (security/endpoint.ts): its port when none is given, and
 * whether a connection's database is where its tables live (PostgreSQL), or only the default
 * database of a server whose jobs name theirs (MySQL: one server, one set of tables).
 */
export const SERVER_IDENTITY: Partial<Record<Engine, { defaultPort: number; database: boolean }>> = {
  POSTGRESQL: { defaultPort: 5432, database: true },
  MYSQL: { defaultPort: 3306, database: false },
};

/** Engines whose connections name a file or folder (`path`) instead of a server. */
export const FILE_ENGINES: ReadonlySet<Engine> = new Set<Engine>(['SQLITE', 'DUCKDB', 'LAKE']);

/** Connection settings; which fields an engine needs is in REQUIRED_FIELDS. */
export interface Connection {
  host?: string;
  port?: number;
  user?: string;
  /** The only secret field: sealed at rest, never returned or logged. */
  password?: string;
  database?: string;
  /** File (SQLite, DuckDB) or folder (lake) on the service's file system. */
  path?: string;
  options?: Record<string, string | number | boolean>;
  /**
   * Set by the sandbox on a resolved connection, never by a caller: the service's private folder
   * where this connection's engine may write temporary files (connectors/scratch.ts).
   */
  scratch?: string;
  /** Set by the sandbox: the host name a TLS certificate must name, the connection going to the address checked. */
  tlsName?: string;
}

const REQUIRED_FIELDS: Record<Engine, (keyof Connection)[]> = {
  POSTGRESQL: ['host', 'database'],
  MYSQL: ['host'],
  SQLITE: ['path'],
  DUCKDB: ['path'],
  LAKE: ['path'],
};

/** Fields that mean nothing for an engine; accepting them silently would hide a typo'd type. */
const UNUSED_FIELDS: Record<Engine, (keyof Connection)[]> = {
  POSTGRESQL: ['path'],
  MYSQL: ['path'],
  SQLITE: ['host', 'port', 'user', 'password', 'database'],
  DUCKDB: ['host', 'port', 'user', 'password'],
  LAKE: ['host', 'port', 'user', 'password'],
};

/**
 * Returns the problems of a connection for an engine, each naming the field at `where`. A DuckDB
 * destination may leave out its path: it then is a file of the data source's own.
 */
export function connectionProblems(engine: Engine, conn: Connection, where: string, role: 'source' | 'destination'): string[] {
  const problems: string[] = [];
  for (const f of REQUIRED_FIELDS[engine]) {
    if (f === 'path' && engine === 'DUCKDB' && role === 'destination') continue;
    if (conn[f] === undefined || conn[f] === '') problems.push(`${where}.${f} is required for ${engine}`);
  }
  for (const f of UNUSED_FIELDS[engine]) {
    if (conn[f] !== undefined) problems.push(`${where}.${f} is not used by ${engine}`);
  }
  const limit = conn.options?.maxConcurrentTasks;
  if (limit !== undefined && !(Number.isInteger(limit) && (limit as number) > 0)) {
    problems.push(`${where}.options.maxConcurrentTasks must be a whole number above 0`);
  }
  return problems;
}

/** Name of the destination database a job writes to when the job names none. */
export function defaultDatabase(engine: Engine, conn: Connection): string {
  return conn.database || (engine === 'DUCKDB' || engine === 'SQLITE' ? 'main' : 'default');
}
