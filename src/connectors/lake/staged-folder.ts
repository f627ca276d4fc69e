import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pinBelow, type PinnedFolder } from '../pinned.js';
import { STAGING_PREFIXES } from './layout.js';

/**
 * A slice's new folder while its files are written: hidden beside its place in `parent`, and
 * owner-only while it fills (nobody else can put a link where a file is about to be written).
 * `swapIn` renames it into place, the old folder moved aside first (the lake's commit), so a
 * reader finds the old files or the new ones, never a half-written file.
 */
export class StagedFolder {
  private constructor(
    private readonly parent: PinnedFolder,
    /** Whether closing this closes `parent` too (a partition's parent pinned for this slice alone). */
    private readonly ownsParent: boolean,
    private readonly folder: PinnedFolder,
    private readonly fresh: string,
    private readonly name: string,
  ) {}

  static async open(parent: PinnedFolder, name: string, ownsParent: boolean): Promise<StagedFolder> {
    const fresh = join(parent.path, `${STAGING_PREFIXES[0]}${randomUUID().replace(/-/g, '')}`);
    try {
      await mkdir(fresh, { mode: 0o700 });
      return new StagedFolder(parent, ownsParent, pinBelow(parent, basename(fresh)), fresh, name);
    } catch (err) {
      await rm(fresh, { recursive: true, force: true });
      if (ownsParent) parent.close();
      throw err;
    }
  }

  /** Where its files go. */
  get path(): string {
    return this.folder.path;
  }

  /** Takes the slice's place: the old folder aside, this one in, the old one deleted (put back if the second rename fails). */
  async swapIn(): Promise<void> {
    const target = join(this.parent.path, this.name);
    const old = join(this.parent.path, `${STAGING_PREFIXES[1]}${randomUUID().replace(/-/g, '')}`);
    await chmod(this.fresh, 0o755);
    const hadOld = existsSync(target);
    if (hadOld) await rename(target, old);
    try {
      await rename(this.fresh, target);
    } catch (err) {
      if (hadOld) await rename(old, target);
      throw err;
    }
    await rm(old, { recursive: true, force: true });
  }

  /** Releases it; what was not swapped in is deleted. */
  async close(): Promise<void> {
    this.folder.close();
    await rm(this.fresh, { recursive: true, force: true });
    if (this.ownsParent) this.parent.close();
  }
}
