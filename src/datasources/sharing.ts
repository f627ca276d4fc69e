import type { Kysely } from 'kysely';
import { FILE_ENGINES, type Connection, type Engine } from '../connectors/engines.js';
import { MmsError } from '../errors.js';
import { PathRefused, type FileRoots } from '../security/files.js';
import { inside } from '../connectors/paths.js';
import type { Database } from '../store/schema.js';

/**
 * The RAM action that lets a data source share what another one has: write a destination table it
 * owns (DestinationGuard), or use as its source or destination a file the other one writes or reads.
 * Only a statement naming it counts (see allowsExplicitly).
 */
export const SHARE_DESTINATION = 'openmms:ShareDestination';

/** A file or folder a data source reads (its source) or writes (its destination). */
interface FileUse {
  role: 'source' | 'destination';
  path: string;
}

function usesOf(type: string, config: { source: Connection; destination: Connection & { type: Engine } }, files: FileRoots): FileUse[] {
  const out: FileUse[] = [];
  const add = (role: FileUse['role'], engine: string, path: string | undefined) => {
    if (!FILE_ENGINES.has(engine as Engine) || path === undefined) return; // a private destination is nobody else's to name
    try {
      out.push({ role, path: files.resolve(path) });
    } catch (err) {
      if (!(err instanceof PathRefused)) throw err; // refused paths are never opened anyway
    }
  };
  add('source', type, config.source.path);
  add('destination', config.destination.type, config.destination.path);
  return out;
}

/**
 * File roots are shared by every key that may create data sources, so the service itself keeps
 * one data source from writing into the file or folder another one reads, and from reading what
 * another one writes (server databases have their own logins to keep them apart). Two data
 * sources writing one destination file are told apart table by table (DestinationGuard).
 * `mayShare(other)`: whether the caller's policy lets it cross that line for data source `other`.
 */
export async function assertOwnFiles(
  db: Kysely<Database>,
  files: FileRoots,
  candidate: { id: number | null; type: string; config: Parameters<typeof usesOf>[1] },
  mayShare: (other: number) => boolean,
): Promise<void> {
  const mine = usesOf(candidate.type, candidate.config, files);
  if (mine.length === 0) return;
  const rows = await db.selectFrom('datasources').select(['id', 'type', 'config']).execute();
  for (const row of rows) {
    if (row.id === candidate.id) continue;
    for (const theirs of usesOf(row.type, JSON.parse(row.config), files)) {
      for (const use of mine) {
        if (use.role === theirs.role || !(inside(use.path, theirs.path) || inside(theirs.path, use.path))) continue;
        if (mayShare(row.id)) continue;
        const what = use.role === 'source' ? 'writes to' : 'reads from';
        throw new MmsError(409, 'Conflict.FileInUse', `config.${use.role}.path: data source ${row.id} ${what} this file or folder; use another one, or a key whose policy allows ${SHARE_DESTINATION} on datasource/${row.id}`);
      }
    }
  }
}
