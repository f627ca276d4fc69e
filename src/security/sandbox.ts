import { isIP } from 'node:net';
import { FILE_ENGINES, SERVER_IDENTITY, type Connection, type Engine } from '../connectors/engines.js';
import { Egress, storeTarget } from './egress.js';
import { fileEndpoint, type Endpoint } from './endpoint.js';
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
    return new Sandbox(files, await Egress.create(options.allowedHosts ?? [], options.storeUrl ? storeTarget(options.storeUrl) : null));
  }

  /**
   * The connection to hand a connector, and the endpoint it reaches (security/endpoint.ts): the
   * real file path, or the checked address of the host (the name kept for TLS to check the
   * certificate against), with the default port filled in and the service's scratch folder for
   * the engine's temporary files.
   */
  async resolve(engine: Engine, conn: Connection, use: ConnectionUse): Promise<{ connection: Connection; endpoint: Endpoint }> {
    const scratch = this.files.scratchDir;
    if (FILE_ENGINES.has(engine)) {
      let path: string;
      if (conn.path !== undefined) path = this.files.resolve(conn.path);
      else if (engine === 'DUCKDB' && use.role === 'destination' && use.sourceId !== null) path = this.files.defaultDestination(use.sourceId);
      else throw new PathRefused(`a ${engine} connection needs a path`);
      // A lake writes folders at its path: at a root's own, they would lie beside every other data source's files.
      if (engine === 'LAKE' && use.role === 'destination' && this.files.roots.includes(path)) {
        throw new PathRefused(`config.destination.path: a lake destination must be a folder inside a file root, not the root itself (OPENMMS_FILE_ROOTS)`);
      }
      return { connection: { ...conn, path, scratch }, endpoint: fileEndpoint(path) };
    }
    const identity = SERVER_IDENTITY[engine]!;
    const port = conn.port ?? identity.defaultPort;
    const { address, endpoint } = await this.egress.check({ host: conn.host ?? '', port, database: identity.database ? (conn.database ?? '') : null });
    const tlsName = conn.options?.ssl === true && isIP(conn.host?.replace(/^\[(.*)\]$/, '$1').split('%')[0] ?? '') === 0 ? conn.host : undefined;
    return { connection: { ...conn, host: address, port, scratch, ...(tlsName && { tlsName }) }, endpoint };
  }

  /** The connection to hand a connector (see resolve). */
  async connection(engine: Engine, conn: Connection, use: ConnectionUse): Promise<Connection> {
    return (await this.resolve(engine, conn, use)).connection;
  }
}

/** Comma-separated lists of the environment (OPENMMS_ALLOWED_HOSTS) or path lists (OPENMMS_FILE_ROOTS, ':'-separated). */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv): { fileRoots: string[]; allowedHosts: string[] } {
  const list = (v: string | undefined, sep: string) => (v ?? '').split(sep).map((s) => s.trim()).filter(Boolean);
  return { fileRoots: list(env.OPENMMS_FILE_ROOTS, ':'), allowedHosts: list(env.OPENMMS_ALLOWED_HOSTS, ',') };
}
