import { opendir, readdir, rm, stat } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatSpec, unescapeValue } from '../partition-spec.js';

/**
 * The Hive layout on a local file system: `<root>/<table>/k1=v1/k2=v2/part-0.parquet` for the
 * `default` database and `<root>/<db>.db/<table>/…` for the others, as Hive and Spark write them.
 * Files and folders whose names start with `.` or `_` (_SUCCESS, _temporary, .crc) are not data.
 */
export const DEFAULT_DB = 'default';

/**
 * The folder key of a table whose partitions are not all one value of their column (RANGE, HASH,
 * DEFAULT, NULL, many-value LIST; PartitionMeta.exact): each partition's folder is
 * `mms_partition=<its spec>`, so a Hive reader gets every file column as it is and the partition's
 * name in a column of its own, as SQL destinations' `_mms_partition` (no leading `_`: Hive and
 * Spark skip such folders).
 */
export const SLICE_FOLDER_KEY = 'mms_partition';

/** A partition's folder below its table's: its spec where the table's partitions are each one value, else SLICE_FOLDER_KEY's. */
export const sliceFolder = (value: string, exactTable: boolean): string => (exactTable ? value : formatSpec([[SLICE_FOLDER_KEY, value]]));

const hidden = (name: string) => name.startsWith('.') || name.startsWith('_');

/** Paths outsideLayout reports at most. */
const REPORTED = 100;

/**
 * What a table's folder holds outside its layout, as paths below it: folders other than its
 * partitions' (`slices`, `k1=v1/k2=v2`; none for a table without partitions) and Parquet files
 * anywhere but in them (or, without partitions, in the table's folder itself): a file copied into a
 * subfolder is read twice by a reader of `**`. Hidden names are no data (staging folders among
 * them); other files are left alone.
 */
export async function outsideLayout(tableFolder: string, slices: string[] | null): Promise<string[]> {
  const leaves = new Set(slices ?? ['']);
  const along = new Set([...leaves].flatMap((leaf) => leaf.split('/').map((_, i, parts) => parts.slice(0, i).join('/'))));
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(tableFolder, rel), { withFileTypes: true });
    } catch {
      return; // a table never written
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (hidden(e.name) || out.length >= REPORTED) continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && (along.has(path) || leaves.has(path))) await walk(path);
      else if (e.isDirectory()) out.push(`${path}/`);
      else if (e.name.endsWith('.parquet') && !leaves.has(rel)) out.push(path);
    }
  };
  await walk('');
  return out;
}

/** Folders a slice is staged in (new files) and moved aside to (old files) during its swap. */
export const STAGING_PREFIXES = ['.mms-new-', '.mms-old-'] as const;

/**
 * Removes the staging folders a writer that died mid-swap left in a lake (their slice is not DONE,
 * so it is copied again). Only folders untouched for `olderThanMs`: in cluster mode another live
 * worker may be staging right now. Returns how many it removed.
 */
export async function removeStaging(root: string, olderThanMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    for await (const e of await opendir(dir)) {
      if (!e.isDirectory()) continue;
      const path = join(dir, e.name);
      if (STAGING_PREFIXES.some((p) => e.name.startsWith(p))) {
        if (now - (await stat(path)).mtimeMs >= olderThanMs) {
          await rm(path, { recursive: true, force: true });
          removed++;
        }
      } else if (!hidden(e.name)) {
        await walk(path);
      }
    }
  };
  await walk(root);
  return removed;
}

export async function listDirs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of await opendir(dir)) if (e.isDirectory() && !hidden(e.name)) out.push(e.name);
  return out.sort();
}

export function dbFolder(root: string, db: string): string {
  return db === DEFAULT_DB ? root : join(root, `${db}.db`);
}

export interface DataFile {
  /** Path relative to the table folder. */
  rel: string;
  size: number;
  mtimeMs: number;
}

export interface Leaf {
  /** Folder relative to the table folder ('' for an unpartitioned table). */
  rel: string;
  spec: [string, string][];
  files: DataFile[];
}

/**
 * Folder reads kept in flight ahead of the walk. One at a time, a scan of 100,000 partition folders
 * spent three quarters of its time waiting on each read in turn; libuv's pool answers several at once.
 */
const READ_AHEAD = 32;

interface Listing {
  files: DataFile[];
  subdirs: string[];
}

async function readFolder(tableDir: string, rel: string): Promise<Listing> {
  const subdirs: string[] = [];
  const parquet: string[] = [];
  for (const e of await readdir(join(tableDir, rel), { withFileTypes: true })) {
    if (hidden(e.name)) continue;
    if (e.isDirectory() && e.name.includes('=')) subdirs.push(e.name);
    else if (e.isFile() && e.name.endsWith('.parquet')) parquet.push(rel ? `${rel}/${e.name}` : e.name);
  }
  const files = await Promise.all(
    parquet.map(async (file) => {
      const s = await stat(join(tableDir, file));
      return { rel: file, size: s.size, mtimeMs: s.mtimeMs };
    }),
  );
  return { files: files.sort((a, b) => a.rel.localeCompare(b.rel)), subdirs: subdirs.sort() };
}

/** The Parquet files directly in a folder, by name in code unit order (the order a lake's cut points compare in). */
export function folderFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !hidden(e.name) && e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => e.name)
    .sort();
}

/**
 * Streams the leaf folders of a table depth-first in name order, reading up to READ_AHEAD of the
 * next folders at once.
 */
export async function* leaves(tableDir: string): AsyncGenerator<Leaf> {
  type Folder = Omit<Leaf, 'files'> & { listing?: Promise<Listing> };
  const stack: Folder[] = [{ rel: '', spec: [] }]; // the next folder last
  while (stack.length) {
    for (let i = stack.length - 1; i >= Math.max(0, stack.length - READ_AHEAD); i--) {
      const folder = stack[i]!;
      if (folder.listing) continue;
      folder.listing = readFolder(tableDir, folder.rel);
      folder.listing.catch(() => {}); // awaited in turn; a walk given up early must not leave it unhandled
    }
    const { rel, spec, listing } = stack.pop()!;
    const { files, subdirs } = await listing!;
    if (files.length) yield { rel, spec, files };
    for (const d of subdirs.reverse()) {
      const eq = d.indexOf('=');
      stack.push({ rel: rel ? `${rel}/${d}` : d, spec: [...spec, [unescapeValue(d.slice(0, eq)), unescapeValue(d.slice(eq + 1))]] });
    }
  }
}
