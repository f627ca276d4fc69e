import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPartitionStatus } from '../../src/store/catalog-status.js';
import { StoreCache } from '../../src/store/store-cache.js';
import { openStore } from '../../src/store/store.js';
import { mmsCalls, TestApi } from '../support/api.js';
import { createPgDatabase, createTestStore, pgQuery, STORE_KINDS, type TestStore } from '../support/stores.js';

describe('lists kept between calls while the store is unchanged', () => {
  it('read again once the version moves: at once where eager, else at a second call; the least recently used dropped beyond the ids kept', async () => {
    let version = 'a';
    const reads: string[] = [];
    const cache = new StoreCache(() => version, 5);
    const ids = async (key: string, n: number, eager = true) => (await cache.at()).ids(key, async () => (reads.push(key), Array.from({ length: n }, (_, i) => i)), eager);
    expect(await ids('x', 3)).toEqual([0, 1, 2]);
    await ids('x', 3);
    expect(reads).toEqual(['x']);
    version = 'b';
    await ids('x', 3);
    expect(reads).toEqual(['x', 'x']);
    // 3 + 2 ids fit; a third list drops the oldest (x), then y is read again after z.
    await ids('y', 2);
    await ids('z', 2);
    await ids('y', 2);
    await ids('x', 3);
    expect(reads).toEqual(['x', 'x', 'y', 'z', 'x']);

    // Not eager: the first call at a version reads nothing (the caller reads its page), the second reads them all, the third keeps them.
    expect(await ids('w', 2, false)).toBeNull();
    expect(await ids('w', 2, false)).toEqual([0, 1]);
    expect(await ids('w', 2, false)).toEqual([0, 1]);
    version = 'c';
    expect(await ids('w', 2, false)).toBeNull();
    expect(reads).toEqual(['x', 'x', 'y', 'z', 'x', 'w']);
  });

  it('values: kept at one version, read again at the next, the least recently used dropped; a view reads the version once', async () => {
    let version = 'a';
    let versionReads = 0;
    const reads: string[] = [];
    const cache = new StoreCache(() => (versionReads++, version), 100, 10, 2);
    const value = async (key: string) => (await cache.at()).value(key, async () => (reads.push(key), `${key}@${version}`));
    expect(await value('x')).toBe('x@a');
    expect(await value('x')).toBe('x@a');
    version = 'b';
    expect(await value('x')).toBe('x@b');
    await value('y');
    await value('x');
    await value('z'); // drops y, the least recently used
    await value('x');
    await value('y');
    expect(reads).toEqual(['x', 'x', 'y', 'z', 'y']);

    versionReads = 0;
    const view = await cache.at();
    version = 'c'; // a write after the view was taken: the view stays at b, its next one reads again
    expect([await view.value('x', async () => 'unread'), await view.ids('l', async () => [1], true)]).toEqual(['x@b', [1]]);
    expect(versionReads).toBe(1);
    expect(await value('x')).toBe('x@c');
  });

  it('calls at one version while the list is being read share that read; at another version they read their own', async () => {
    let version = 'a';
    let reads = 0;
    const releases: (() => void)[] = [];
    const cache = new StoreCache(() => version);
    const read = () => {
      const n = ++reads;
      return new Promise<number[]>((resolve) => releases.push(() => resolve([n])));
    };
    const first = (await cache.at()).ids('x', read, true);
    const second = (await cache.at()).ids('x', read, true);
    await expect.poll(() => reads).toBe(1);
    releases[0]!();
    expect(await Promise.all([first, second])).toEqual([[1], [1]]);
    version = 'b';
    const third = (await cache.at()).ids('x', read, true);
    version = 'c';
    const fourth = (await cache.at()).ids('x', read, true);
    await expect.poll(() => reads).toBe(3);
    releases[2]!();
    releases[1]!();
    expect(await Promise.all([third, fourth])).toEqual([[2], [3]]);
  });

  describe.each(STORE_KINDS)('ListMmsPartitions on the %s store', (kind) => {
    let api: TestApi;
    let testStore: TestStore;
    let src: Awaited<ReturnType<typeof createPgDatabase>>;
    let sourceId: number;
    /** The store's version, as every cache of the app reads it, counted. */
    let versionReads = 0;
    const { call, scan } = mmsCalls(() => api);
    const values = async (query: string) => {
      const page = await call('GET', `/datasources/${sourceId}/partitions?tableName=t&${query}`);
      return { total: page.total, values: page.objectList.map((p: { value: string }) => p.value) };
    };
    const partition = async (value: string) => (await call('GET', `/datasources/${sourceId}/partitions?tableName=t&value=${value}`)).objectList[0].id as number;

    beforeAll(async () => {
      src = await createPgDatabase('openmms_list_cache');
      const parts = Array.from({ length: 120 }, (_, i) => `CREATE TABLE t_${i} PARTITION OF t FOR VALUES IN ('p${String(i).padStart(3, '0')}');`);
      await pgQuery(src.url, `CREATE TABLE t (k text, v int) PARTITION BY LIST (k); ${parts.join(' ')}`);
      testStore = await createTestStore(kind);
      const version = testStore.store.version;
      testStore.store.version = () => (versionReads++, version());
      api = await TestApi.start(kind, undefined, { store: testStore });
      sourceId = (await call('POST', '/datasources', { name: 'lists', type: 'POSTGRESQL', config: { source: src.conn } })).dataSourceId;
      await scan(sourceId);
    });
    afterAll(async () => {
      await api?.close();
      await testStore?.drop();
      await src?.drop();
    });

    it("a list call reads the store's version once: the caller's token and the list share it", async () => {
      const jobs = () => call('GET', `/datasources/${sourceId}/jobs?pageSize=5`);
      for (const list of [() => values('status=INIT&pageSize=5&pageNum=2'), () => values('value=p01'), jobs]) {
        await list();
        versionReads = 0;
        await list();
        expect(versionReads).toBe(1);
      }
    });

    it('page after page with a contains filter, then as statuses change here and from another connection', async () => {
      const pages = await Promise.all([1, 2, 3].map((n) => values(`value=p01&pageSize=4&pageNum=${n}`)));
      expect(pages.map((p) => p.total)).toEqual([10, 10, 10]);
      expect(pages.flatMap((p) => p.values)).toEqual(Array.from({ length: 10 }, (_, i) => `k=p01${i}`));
      expect(await values('status=DONE&value=p01')).toEqual({ total: 0, values: [] });

      await setPartitionStatus(api.testStore.store.db, await partition('p012'), 'DONE');
      expect(await values('status=DONE&value=p01')).toEqual({ total: 1, values: ['k=p012'] });
      expect(await values('status=INIT&value=p01&pageSize=20')).toMatchObject({ total: 9 });
      // Without a contains filter a list's ids are kept from its second call at one version on.
      for (let i = 0; i < 3; i++) expect(await values('status=INIT&pageSize=5&pageNum=24')).toMatchObject({ total: 119, values: { length: 4 } });

      // Another connection to the store (a second process on it) changes one.
      const p013 = await partition('p013');
      const other = await openStore(api.testStore.url);
      try {
        await setPartitionStatus(other.db, p013, 'FAILED');
      } finally {
        await other.close();
      }
      expect(await values('status=FAILED&value=p01')).toEqual({ total: 1, values: ['k=p013'] });
      expect(await values('status=INIT&value=p01&pageSize=20')).toMatchObject({ total: 8 });
      for (let i = 0; i < 3; i++) expect(await values('status=INIT&pageSize=5&pageNum=24')).toMatchObject({ total: 118, values: { length: 3 } });
    });
  });
});
