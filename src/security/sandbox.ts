import { FILE_ENGINES, type Connection, type Engine } from '../connectors/engines.js';
import { Egress, storeEndpoint } from './egress.js';
import { FileRoots, PathRefused } from './files.js';

/** Where a connection is used: a source or destination of a data source (null: not saved yet). */
export interface ConnectionUse {
  role: 'source' | 'destination';
  sourceId: number | null;
}

export interface SandboxOptions {
  dataDir: string;
  /** OPENMMS_FILE_ROOTS; default `<dataDir>/files`. */
  fileRoots?: string[];
  /** OPENMMS_ALLOWED_HOSTS; default any host. */
  allowedHosts?: string[];
  /** The metadata store's URL: its database (or file) is never a source or destination. */
  storeUrl?: string;
}

/**
 * Every connection the service opens passes through here first (see security/files.ts and
 * security/egress.ts): file paths are confined, hosts are checked, and a data source that names no
 * destination gets its own private DuckDB file.
 */
export class Sandbox {
  private constructor(
    readonly files: FileRoots,
    private readonly egress: Egress,
  ) {}

  static async create(options: SandboxOptions): Promise<Sandbox> {
    const sqliteStore = options.storeUrl?.startsWith('sqlite:') ? options.storeUrl.slice('sqlite:'.length) : null;
    const files = new FileRoots({ dataDir: options.dataDir, roots: options.fileRoots, protectedFiles: sqliteStore && sqliteStore !== ':memory:' ? [sqliteStore] : [] });
    return new Sandbox(files, await Egress.create(options.allowedHosts ?? [], options.storeUrl ? storeEndpoint(options.storeUrl) : null));
  }

  /** The connection to hand a connector: the real file path, or the checked address of the host. */
  async connection(engine: Engine, conn: Connection, use: ConnectionUse): Promise<Connection> {
    if (FILE_ENGINES.has(engine)) {
      if (conn.path !== undefined) return { ...conn, path: this.files.resolve(conn.path) };
      if (engine === 'DUCKDB' && use.role === 'destination' && use.sourceId !== null) return { ...conn, path: this.files.defaultDestination(use.sourceId) };
      throw new PathRefused(`a ${engine} connection needs a path`);
    }
    const port = conn.port ?? (engine === 'MYSQL' ? 3306 : 5432);
    const address = await this.egress.check(engine, { host: conn.host ?? '', port, database: conn.database ?? '' });
    // With TLS the certificate names the host: connect by name (the check above still holds for its addresses).
    return conn.options?.ssl === true ? conn : { ...conn, host: address };
  }
}

/** Comma-separated lists of the environment (OPENMMS_ALLOWED_HOSTS) or path lists (OPENMMS_FILE_ROOTS, ':'-separated). */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv): { fileRoots: string[]; allowedHosts: string[] } {
  const list = (v: string | undefined, sep: string) => (v ?? '').split(sep).map((s) => s.trim()).filter(Boolean);
  return { fileRoots: list(env.OPENMMS_FILE_ROOTS, ':'), allowedHosts: list(env.OPENMMS_ALLOWED_HOSTS, ',') };
}
