import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MmsError } from '../errors.js';
import { inside, realPath } from '../connectors/paths.js';

/**
 * Where file-based connections (SQLite, DuckDB, lake) may point: under the file roots the operator
 * sets (OPENMMS_FILE_ROOTS), never at the service's own files. Checked on the resolved path, with
 * symlinks followed, before any file is opened or created.
 */

/** A path refused by the sandbox: the caller's to fix (400), and the message never says whether the target exists. */
export class PathRefused extends MmsError {
  constructor(message: string) {
    super(400, 'InvalidPath', message);
    this.name = 'PathRefused';
  }
}

interface FileRootsOptions {
  /** The service's data directory: nothing in it is reachable, but for roots the operator put inside it. */
  dataDir: string;
  /** Allowed folders; the first is the base of relative paths. Default: `<dataDir>/files`. */
  roots?: string[];
  /** Files of the service kept outside the data directory (a SQLite store elsewhere, a key file). */
  protectedFiles?: string[];
}

export class FileRoots {
  readonly roots: string[];
  /** Private per-data-source destinations (see defaultDestination): reachable by the service only. */
  readonly privateDir: string;
  /** The service's temporary files (connectors/scratch.ts): CSV passed between engines, DuckDB's spill. */
  readonly scratchDir: string;
  private readonly dataDir: string;
  private readonly protectedPaths: string[];

  constructor(options: FileRootsOptions) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(options.dataDir, 0o700); // the store, its key and the private destinations: the service's user only
    this.dataDir = realPath(options.dataDir);
    this.privateDir = join(this.dataDir, 'destinations');
    this.scratchDir = join(this.dataDir, 'tmp');
    const given = options.roots?.length ? options.roots : [join(this.dataDir, 'files')];
    if (!options.roots?.length) mkdirSync(given[0]!, { recursive: true });
    this.roots = given.map((r) => {
      if (!existsSync(r)) throw new Error(`file root ${r} (OPENMMS_FILE_ROOTS) does not exist`);
      return realPath(r);
    });
    this.protectedPaths = [this.dataDir, ...(options.protectedFiles ?? []).flatMap((f) => [f, `${f}-wal`, `${f}-shm`, `${f}-journal`]).map(realPath)];
  }

  /**
   * The absolute real path a connection's `path` names, or PathRefused. Relative paths start at
   * the first root. A path is allowed when it lies under a root and touches none of the service's
   * own files: not in the data directory (unless under a root the operator put inside it, never in
   * its private destinations), not a protected file, and not a folder that contains one of them.
   */
  resolve(given: string): string {
    const refuse = () =>
      new PathRefused(`path '${given}' is not allowed: file connections must name a file or folder under the service's file roots (OPENMMS_FILE_ROOTS; relative paths start at the first root)`);
    if (given.includes('\0')) throw refuse();
    const lexical = resolve(this.roots[0]!, given);
    // Lexically outside every root: refused before the file system is asked anything.
    if (!this.roots.some((r) => inside(lexical, r))) throw refuse();
    let real: string;
    try {
      real = realPath(lexical);
    } catch {
      throw refuse(); // a folder on the way that cannot be read: as good as outside
    }
    if (!this.allowed(real)) throw refuse();
    return real;
  }

  private allowed(real: string): boolean {
    if (!this.roots.some((r) => inside(real, r))) return false;
    if (inside(real, this.privateDir)) return false;
    if (this.protectedPaths.some((p) => inside(p, real))) return false; // a folder holding the service's files
    if (this.protectedPaths.slice(1).some((p) => inside(real, p))) return false;
    return !inside(real, this.dataDir) || this.roots.some((r) => r !== this.dataDir && inside(r, this.dataDir) && inside(real, r));
  }

  /** The DuckDB file of a data source that names no destination: its own, in the service's private folder. */
  defaultDestination(sourceId: number): string {
    mkdirSync(this.privateDir, { recursive: true, mode: 0o700 });
    return join(this.privateDir, `source-${sourceId}.duckdb`);
  }
}
