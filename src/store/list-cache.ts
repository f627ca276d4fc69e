/**
 * The ordered ids of a list's filtered objects, kept between calls while the store is unchanged
 * (Store.version). Paging by number through a large catalog walks OFFSET rows of an index at each
 * call, and a contains filter matches every name twice (the total, then the page): kept, the ids
 * are read once and each page is a slice of them.
 */
export class ListCache {
  /** A list's ids, or null where it was asked for once at this version (see `ids`). */
  private readonly lists = new Map<string, { version: string; ids: number[] | null }>();
  private held = 0;

  /** `maxIds`: ids kept in all, `maxLists` lists; the least recently used dropped beyond. */
  constructor(
    private readonly version: () => string | Promise<string>,
    private readonly maxIds = 1_000_000,
    private readonly maxLists = 256,
  ) {}

  /**
   * The ids `read` gives for `key`, read again only once the store may have changed; or null, for
   * the caller to read one page its own way. Reading every id costs more than one page does (a
   * partition list's 100,000 ids: 12 ms, a page: 2.5–5 ms), so it waits for a second call at one
   * version (paging on while nothing is written), unless `eager`: a list whose page costs as much
   * (a contains filter's matching is most of both).
   */
  async ids(key: string, read: () => Promise<number[]>, eager: boolean): Promise<number[] | null> {
    // Taken before reading: a write during the read leaves the list labelled older, read again next time.
    const version = await this.version();
    const kept = this.lists.get(key);
    if (kept?.version === version && kept.ids) {
      this.keep(key, kept);
      return kept.ids;
    }
    if (!eager && kept?.version !== version) {
      this.keep(key, { version, ids: null });
      return null;
    }
    const ids = await read();
    this.keep(key, { version, ids });
    return ids;
  }

  /** Keeps `list` as the most recently used (two calls reading one list at once keep the later). */
  private keep(key: string, list: { version: string; ids: number[] | null }): void {
    this.drop(key);
    this.lists.set(key, list);
    this.held += list.ids?.length ?? 0;
    for (const oldest of this.lists.keys()) {
      if ((this.held <= this.maxIds && this.lists.size <= this.maxLists) || oldest === key) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    this.held -= this.lists.get(key)?.ids?.length ?? 0;
    this.lists.delete(key);
  }
}

/** A list kept in a ListCache: under a key naming the list and its filters, `eager` with a contains filter (see ListCache.ids). */
export interface CachedList {
  cache: ListCache;
  key: string;
  eager: boolean;
}

/** The list named by `parts` (its kind, data source, filters and order) in `cache`, if there is one. */
export const cachedList = (cache: ListCache | undefined, parts: unknown[], eager: boolean): CachedList | undefined =>
  cache ? { cache, key: JSON.stringify(parts), eager } : undefined;

/**
 * One page of a list's ids, and their total: a slice of its kept ids (ListCache), or read as the
 * store pages and counts them.
 */
export async function pageOfIds(
  cached: CachedList | undefined,
  page: { offset: number; limit: number },
  read: { all: () => Promise<number[]>; page: () => Promise<number[]>; total: () => Promise<number> },
): Promise<{ total: number; ids: number[] }> {
  const all = cached ? await cached.cache.ids(cached.key, read.all, cached.eager) : null;
  if (all) return { total: all.length, ids: all.slice(page.offset, page.offset + page.limit) };
  return { total: await read.total(), ids: await read.page() };
}
