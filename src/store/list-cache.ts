/**
 * The ordered ids of a list's filtered objects, kept between calls while the store is unchanged
 * (Store.version). Paging by number through a large catalog walks OFFSET rows of an index at each
 * call, and a contains filter matches every name twice (the total, then the page): kept, the ids
 * are read once and each page is a slice of them.
 */
export class ListCache {
  private readonly lists = new Map<string, { version: string; ids: number[] }>();
  private held = 0;

  /** `maxIds`: ids kept in all, the least recently used lists dropped beyond. */
  constructor(
    private readonly version: () => string,
    private readonly maxIds = 1_000_000,
  ) {}

  /** The ids `read` gives for `key`, read again only once the store may have changed. */
  async ids(key: string, read: () => Promise<number[]>): Promise<number[]> {
    // Taken before reading: a write during the read leaves the list labelled older, read again next time.
    const version = this.version();
    const kept = this.lists.get(key);
    if (kept) this.drop(key);
    if (kept?.version === version) {
      this.keep(key, kept);
      return kept.ids;
    }
    const ids = await read();
    this.keep(key, { version, ids });
    return ids;
  }

  private keep(key: string, list: { version: string; ids: number[] }): void {
    this.lists.set(key, list);
    this.held += list.ids.length;
    for (const oldest of this.lists.keys()) {
      if (this.held <= this.maxIds || oldest === key) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    this.held -= this.lists.get(key)?.ids.length ?? 0;
    this.lists.delete(key);
  }
}
