import { closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { join, sep } from 'node:path';
import { ConnectionError } from './connector.js';

/**
 * A folder held open by its descriptor, reached from `/` one folder at a time without following
 * any link. Its path through /proc/self/fd names that folder for as long as it is held, whatever
 * is renamed or swapped for a link above it afterwards: a lake's reads, writes, renames and
 * deletions below it stay there. Where the process's descriptors have no path (not Linux), the
 * folder's own path is used.
 */
export interface PinnedFolder {
  path: string;
  close(): void;
}

const PINNABLE = existsSync('/proc/self/fd');
const FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A file or folder a path did not reach as it was checked: a link where a folder or file was. */
export class FileSwapped extends ConnectionError {
  constructor(path: string) {
    super(`cannot open ${path}: it changed while it was being opened (a folder or file on its way was swapped for a link); nothing was read or written`);
  }
}

/** A part of a pinned path that is a link or no folder. */
export class NotAFolder extends FileSwapped {
  constructor(part: string) {
    super(part);
    this.message = `'${part}' is a link or not a folder, and links are not followed`;
  }
}

/** A part of a pinned path that is not there (it may be being renamed). */
class NoFolder extends ConnectionError {
  constructor(part: string, code: string | undefined) {
    super(`cannot open the folder '${part}': ${code === 'ENOENT' ? 'it does not exist' : code ?? 'error'}`);
  }
}

function walk(from: number | null, start: string, parts: string[], create: boolean): PinnedFolder {
  let fd = from === null ? openSync(start, FLAGS) : null; // `/`
  let at = fd === null ? `/proc/self/fd/${from}` : `/proc/self/fd/${fd}`;
  try {
    for (const part of parts) {
      const next = join(at, part);
      let opened: number;
      try {
        if (create && !existsSync(next)) mkdirSync(next, { recursive: false });
        opened = openSync(next, FLAGS);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'EEXIST') throw new NotAFolder(part);
        throw new NoFolder(part, code);
      }
      if (fd !== null) closeSync(fd);
      fd = opened;
      at = `/proc/self/fd/${fd}`;
    }
  } catch (err) {
    if (fd !== null) closeSync(fd);
    throw err;
  }
  const held = fd;
  return { path: at, close: () => (held === null ? undefined : closeSync(held)) };
}

const partsOf = (rel: string) => rel.split(sep).filter((p) => p !== '' && p !== '.');

/** Pins the folder at `realPath` (absolute, as the sandbox resolved it; created where missing with `create`). */
export function pinFolder(realPath: string, { create = false } = {}): PinnedFolder {
  if (!PINNABLE) {
    if (create) mkdirSync(realPath, { recursive: true });
    return { path: realPath, close: () => {} };
  }
  return walk(null, '/', partsOf(realPath), create);
}

/** Pins the folder `rel` below `base` (created where missing with `create`); no part of `rel` may be `..` or a link. */
export function pinBelow(base: PinnedFolder, rel: string, { create = false } = {}): PinnedFolder {
  const parts = partsOf(rel);
  if (parts.includes('..')) throw new Error(`'${rel}' leaves its folder`);
  if (!PINNABLE) {
    const path = join(base.path, ...parts);
    if (create) mkdirSync(path, { recursive: true });
    return { path, close: () => {} };
  }
  return walk(Number(base.path.slice('/proc/self/fd/'.length)), '', parts, create);
}
