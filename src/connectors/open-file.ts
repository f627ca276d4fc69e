import { existsSync, fstatSync, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConnectionError } from './connector.js';
import { FileSwapped, pinFolder, type PinnedFolder } from './pinned.js';

/**
 * Engines open database files by name (SQLite, DuckDB), after the sandbox checked where that name
 * leads, and open the database's companions (SQLite's WAL and shared memory, DuckDB's WAL) by a
 * name made from it. Whoever can rename folders in a file root could swap one for a link between
 * the check and the opens. So an open is checked again by what was opened: after it (and after a
 * first read, `warm`, which opens the companions), every file the engine newly holds under the
 * database's name must be the very file (device and inode) that name, or the companion's, leads
 * to without following any link (each folder opened with O_NOFOLLOW, the file looked at without
 * following it), and the database itself must be among them. Otherwise the engine's handle is
 * closed before anything it read leaves the open, and the open is refused. Opens take turns, so
 * another open's files are not taken for this one's. (Linux: the process's open files are listed
 * in /proc/self/fd; elsewhere only the name is checked again.)
 */

const FDS = '/proc/self/fd';
const TRACKED = existsSync(FDS);
const identity = (s: Stats) => `${s.dev}:${s.ino}`;

/** The regular files this process holds, by descriptor: their identity and the name the kernel knows them by. */
function openFiles(): Map<string, { id: string; name: string }> {
  const out = new Map<string, { id: string; name: string }>();
  let fds: string[];
  try {
    fds = readdirSync(FDS);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const s = fstatSync(Number(fd));
      if (s.isFile()) out.set(fd, { id: identity(s), name: basename(readlinkSync(`${FDS}/${fd}`)) });
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** The identity of the regular file `name` in `folder` (not followed if a link), or null where there is none. */
function fileIn(folder: PinnedFolder, name: string, shown: string): string | null {
  try {
    const s = lstatSync(join(folder.path, name));
    if (!s.isFile()) throw new FileSwapped(shown);
    return identity(s);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Whether what the engine newly holds is what `path` and its companions lead to (see above). */
function reachedAsChecked(path: string, before: Map<string, { id: string }>, shared: boolean): boolean {
  let folder: PinnedFolder;
  try {
    folder = pinFolder(dirname(path));
  } catch (err) {
    if (err instanceof ConnectionError) return false; // a link, or not there: not as checked
    throw err;
  }
  try {
    const base = basename(path);
    const database = fileIn(folder, base, path);
    if (database === null) return false;
    if (!TRACKED) return true;
    const fresh = [...openFiles()].filter(([fd, f]) => before.get(fd)?.id !== f.id);
    // Each file opened under the database's name (its companions are named after it) is the one in its folder.
    for (const [, f] of fresh) if (f.name.startsWith(base) && fileIn(folder, f.name, path) !== f.id) return false;
    // The database itself: opened now, or (`shared`) held already by the instance handed out.
    return fresh.some(([, f]) => f.id === database) || (shared && [...before.values()].some((f) => f.id === database));
  } finally {
    folder.close();
  }
}

let turn: Promise<unknown> = Promise.resolve();

/**
 * Opens the file at `path` (a real path, as the sandbox resolved it) with `open`, reads it a first
 * time with `warm`, and returns what `open` returned once the check above holds; `close` releases
 * it otherwise. `shared`: the engine may hand out a file this process already holds instead of
 * opening it again (DuckDB's instance cache, SQLite's descriptors shared among connections).
 */
export function openChecked<T>(path: string, open: () => T | Promise<T>, close: (opened: T) => void, { shared = false, warm = (_: T): unknown => undefined } = {}): Promise<T> {
  const run = turn.then(async () => {
    const before = openFiles();
    const opened = await open();
    try {
      await warm(opened);
      if (!reachedAsChecked(path, before, shared)) throw new FileSwapped(path);
      return opened;
    } catch (err) {
      close(opened);
      throw err;
    }
  });
  turn = run.catch(() => {});
  return run;
}
