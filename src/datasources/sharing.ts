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

/**
 * What a caller may share: with which data sources its policy allows it, and the access key the
 * grants it makes are kept under (they end with that key).
 */
export interface ShareRights {
  keyId: string | null;
  allows(other: number): boolean;
}

export const NO_SHARING: ShareRights = { keyId: null, allows: () => false };

/** A file or folder a data source reads (its source) or writes (its destination). */
interface FileUse {
  role: 'source' | 'destination';
  engine: Engine;
  path: string;
}

type Config = { source: Connection; destination: Connection & { type: Engine } };

function usesOf(type: string, config: Config, files: FileRoots): FileUse[] {
  const out: FileUse[] = [];
  const add = (role: FileUse['role'], engine: Engine, path: string | undefined) => {
    if (!FILE_ENGINES.has(engine) || path === undefined) return; // a private destination is nobody else's to name
    try {
      out.push({ role, engine, path: files.resolve(path) });
    } catch (err) {
      if (!(err instanceof PathRefused)) throw err; // refused paths are never opened anyway
    }
  };
  add('source', type as Engine, config.source.path);
  add('destination', config.destination.type, config.destination.path);
  return out;
}

/** Files an engine writes beside a database file (SQLite's journal, WAL and shared memory, DuckDB's WAL). */
const COMPANIONS = ['-journal', '-wal', '-shm', '.wal'];
const companionOf = (a: string, b: string) => COMPANIONS.some((c) => a === b + c);

/**
 * Why two uses of files by two data sources cannot both be (null: they can): one reads what the
 * other writes; or both write, one inside the other's folder, one a companion file of the
 * other's, or one file with two engines. Two destinations naming the same file or folder with
 * the same engine share it table by table (DestinationGuard).
 */
function clash(mine: FileUse, theirs: FileUse): string | null {
  const overlap = inside(mine.path, theirs.path) || inside(theirs.path, mine.path) || companionOf(mine.path, theirs.path) || companionOf(theirs.path, mine.path);
  if (!overlap) return null;
  if (mine.role === 'source' && theirs.role === 'source') return null;
  if (mine.role !== theirs.role) return mine.role === 'source' ? 'writes to this file or folder' : 'reads from this file or folder';
  if (mine.path === theirs.path && mine.engine === theirs.engine) return null;
  if (mine.path === theirs.path) return `writes this file as ${theirs.engine}`;
  if (inside(mine.path, theirs.path)) return 'writes the folder this one lies in';
  if (inside(theirs.path, mine.path)) return 'writes a file or folder inside this one';
  return "writes a file this one is a companion of (a database's journal or WAL)";
}

export interface FileClash {
  other: number;
  /** The other data source's config changed later than this one's (it made the overlap). */
  newer: boolean;
  message: string;
}

/**
 * The other data sources whose files clash with `candidate`'s (see clash). File roots are shared
 * by every key that may create data sources, so the service itself keeps one data source from
 * writing into what another reads or writes, and from reading what another writes (server
 * databases have their own logins to keep them apart).
 */
export async function fileClashes(db: Kysely<Database>, files: FileRoots, candidate: { id: number | null; type: string; config: Config; updateTime?: number }): Promise<FileClash[]> {
  const mine = usesOf(candidate.type, candidate.config, files);
  if (mine.length === 0) return [];
  const rows = await db.selectFrom('datasources').select(['id', 'type', 'config', 'update_time']).execute();
  const out: FileClash[] = [];
  for (const row of rows) {
    if (row.id === candidate.id) continue;
    for (const theirs of usesOf(row.type, JSON.parse(row.config), files)) {
      const clashing = mine.map((use) => [use, clash(use, theirs)] as const).find(([, why]) => why !== null);
      if (!clashing) continue;
      const [use, why] = clashing;
      out.push({ other: row.id, newer: row.update_time > (candidate.updateTime ?? Infinity), message: `config.${use.role}.path: data source ${row.id} ${why}` });
      break;
    }
  }
  return out;
}

const fileInUse = (c: FileClash) => new MmsError(409, 'Conflict.FileInUse', `${c.message}; use another one, or a key whose policy allows ${SHARE_DESTINATION} on datasource/${c.other}`);

/**
 * Refuses (409) a data source's files when they clash with another's that `rights` do not let it
 * share; returns the others it shares with, for the caller to record the grants (recordFileGrants).
 */
export async function assertOwnFiles(db: Kysely<Database>, files: FileRoots, candidate: { id: number | null; type: string; config: Config }, rights: ShareRights): Promise<number[]> {
  const clashes = await fileClashes(db, files, candidate);
  const refused = clashes.find((c) => !rights.allows(c.other));
  if (refused) throw fileInUse(refused);
  return clashes.map((c) => c.other);
}

/** Keeps the grants a data source was created or changed with, under the key that made them. */
export async function recordFileGrants(db: Kysely<Database>, sourceId: number, others: number[], rights: ShareRights): Promise<void> {
  await db.deleteFrom('file_grants').where('source_id', '=', sourceId).execute();
  if (others.length === 0 || rights.keyId === null) return;
  await db.insertInto('file_grants').values(others.map((other_id) => ({ source_id: sourceId, other_id, granted_by: rights.keyId! }))).execute();
}

/**
 * Before a task reads or writes: the files still do not clash, but where a grant (kept while its
 * key exists) lets them. A clash the other data source made (its config changed later) is its
 * tasks' to fail, not this one's.
 */
export async function recheckOwnFiles(db: Kysely<Database>, files: FileRoots, candidate: { id: number; type: string; config: Config; updateTime: number }): Promise<void> {
  const clashes = (await fileClashes(db, files, candidate)).filter((c) => !c.newer);
  if (clashes.length === 0) return;
  const grants = await db
    .selectFrom('file_grants')
    .select(['source_id', 'other_id'])
    .where((eb) => eb.or([eb('source_id', '=', candidate.id), eb('other_id', '=', candidate.id)]))
    .execute();
  const granted = new Set(grants.map((g) => (g.source_id === candidate.id ? g.other_id : g.source_id)));
  const refused = clashes.find((c) => !granted.has(c.other));
  if (refused) throw fileInUse(refused);
}
