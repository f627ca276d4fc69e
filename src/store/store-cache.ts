/**
 * Reads kept between calls while the store is unchanged (Store.version), so exact whoever wrote.
 * Lists: the ordered ids of a list's filtered objects. Paging by number through a large catalog
 * walks OFFSET rows of an index at each call, and a contains filter matches every name twice (the
 * total, then the page): kept, the ids are read once and each page is a slice of them. Values: what
 * every call reads before its own work (the caller's token, the data source, a table's counters),
 * which made a third of a page's statements.
 */
export class StoreCache {
  /** Values kept, by key, the least recently used dropped beyond `maxValues`. */
  private readonly values = new Map<string, { version: string; value: unknown }>();
  /** A list's ids, or null where it was asked for once at this version (see `ids`). */
  private readonly lists = new Map<string, { version: string; ids: number[] | null }>();
  /** Reads in flight, by list and version: calls arriving meanwhile at that version share them. */
  private readonly reading = new Map<string, { version: string; ids: Promise<number[]> }>();
  private held = 0;

  /** `maxIds`: ids kept in all, `maxLists` lists; the least recently used dropped beyond. */
  constructor(
    private readonly version: () => string | Promise<string>,
    private readonly maxIds = 1_000_000,
    private readonly maxLists = 256,
    private readonly maxValues = 1024,
  ) {}

  /**
   * The store as it is now: what it keeps is read at most once per call of `at`. A call reads the
   * version once for all it keeps (on PostgreSQL each reading is a round trip), and an API call's
   * caches share one reading (`callVersion`).
   */
  async at(callVersion?: CallVersion): Promise<StoreView> {
    const version = await (callVersion ?? this.version)();
    return { value: (key, read) => this.value(version, key, read), ids: (key, read, eager) => this.ids(version, key, read, eager) };
  }

  private async value<T>(version: string, key: string, read: () => Promise<T>): Promise<T> {
    const kept = this.values.get(key);
    this.values.delete(key);
    if (kept?.version === version) {
      this.values.set(key, kept);
      return kept.value as T;
    }
    const value = await read();
    this.values.set(key, { version, value });
    if (this.values.size > this.maxValues) this.values.delete(this.values.keys().next().value!);
    return value;
  }

  private async ids(version: string, key: string, read: () => Promise<number[]>, eager: boolean): Promise<number[] | null> {
    const kept = this.lists.get(key);
    if (kept?.version === version && kept.ids) {
      this.keep(key, kept);
      return kept.ids;
    }
    if (!eager && kept?.version !== version) {
      this.keep(key, { version, ids: null });
      return null;
    }
    const inFlight = this.reading.get(key);
    if (inFlight?.version === version) return inFlight.ids;
    // A version moves at every write, and on a busy store the calls that find it moved come
    // together: each reading the whole list made the slowest calls of a busy list.
    const ids = read();
    this.reading.set(key, { version, ids });
    try {
      const out = await ids;
      this.keep(key, { version, ids: out });
      return out;
    } finally {
      if (this.reading.get(key)?.ids === ids) this.reading.delete(key);
    }
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

/**
 * The store's version as one API call that writes nothing reads it: once, on first use, whichever
 * of its caches asks first (the caller's token, then the list it asked for). Read after the call
 * began, it shows every write committed before; a call that writes must read it after its writes.
 */
export type CallVersion = () => Promise<string>;

export function oncePerCall(version: () => string | Promise<string>): CallVersion {
  let read: Promise<string> | undefined;
  return () => (read ??= Promise.resolve().then(version));
}

/** The store at one version (StoreCache.at): what is kept at that version, else read and kept. */
export interface StoreView {
  /** What `read` gives for `key`. Callers must not change it. */
  value<T>(key: string, read: () => Promise<T>): Promise<T>;
  /**
   * The ids `read` gives for `key`; or null, for the caller to read one page its own way. Reading
   * every id costs more than one page does (a partition list's 100,000 ids: 12 ms, a page: 2.5–5
   * ms), so it waits for a second call at one version (paging on while nothing is written), unless
   * `eager`: a list whose page costs as much (a contains filter's matching is most of both).
   */
  ids(key: string, read: () => Promise<number[]>, eager: boolean): Promise<number[] | null>;
}

/** A list kept in a StoreView: under a key naming the list and its filters, `eager` with a contains filter (see StoreView.ids). */
export interface CachedList {
  view: StoreView;
  key: string;
  eager: boolean;
}

/** The list named by `parts` (its kind, data source, filters and order) in `view`, if there is one. */
export const cachedList = (view: StoreView | undefined, parts: unknown[], eager: boolean): CachedList | undefined =>
  view ? { view, key: JSON.stringify(parts), eager } : undefined;

/**
 * One page of a list's ids, and their total: a slice of its kept ids (StoreCache), or read as the
 * store pages and counts them.
 */
export async function pageOfIds(
  cached: CachedList | undefined,
  page: { offset: number; limit: number },
  read: { all: () => Promise<number[]>; page: () => Promise<number[]>; total: () => Promise<number> },
): Promise<{ total: number; ids: number[] }> {
  const all = cached ? await cached.view.ids(cached.key, read.all, cached.eager) : null;
  if (all) return { total: all.length, ids: all.slice(page.offset, page.offset + page.limit) };
  return { total: await read.total(), ids: await read.page() };
}
