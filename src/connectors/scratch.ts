import { mkdirSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The service's own folder for what a copy writes on the side: CSV files passed between engines
 * and DuckDB's spill files. It holds source rows, so it is private (0700, in the data directory:
 * security/files.ts sets it on every resolved connection), and what a process leaves there is
 * named after it (`<kind>-<pid>-…`), so a later start can tell a dead process's leftovers from a
 * live one's folders.
 */

/** Where connections the sandbox did not resolve (tools, tests of a connector alone) keep theirs. */
export const FALLBACK_SCRATCH = join(tmpdir(), `openmms-scratch-${process.getuid?.() ?? 'user'}`);

/** This machine: a data directory may be shared by workers on several (their process ids mean nothing here). */
const HOST = hostname().toLowerCase().replace(/[^a-z0-9.]/g, '_');
const ours = (kind: string) => `${kind}-${HOST}-${process.pid}-`;

/** A fresh folder of this process under `root` (created with it, both owner-only). */
export async function scratchFolder(root: string, kind: string): Promise<string> {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return mkdtemp(join(root, ours(kind)));
}

/** A folder name of this process under `root` that the caller (DuckDB) creates itself when it needs it. */
export function scratchPath(root: string, kind: string, name: string): string {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return join(root, `${ours(kind)}${name}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // someone else's live process
  }
}

/**
 * Removes what processes of this machine that died mid-copy (a SIGKILL, a crash) left under
 * `root`. Returns how many folders it removed.
 */
export async function removeScratchLeftovers(root: string): Promise<number> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return 0; // nothing was ever written there
  }
  let removed = 0;
  for (const name of entries) {
    const [, host, id] = /^[a-z]+-(.+)-(\d+)-[^-]*$/.exec(name) ?? [];
    const pid = Number(id);
    if (host !== HOST || !Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
