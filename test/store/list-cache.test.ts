import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPartitionStatus } from '../../src/store/catalog-status.js';
import { ListCache } from '../../src/store/list-cache.js';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { mmsCalls, TestApi } from '../support/api.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

describe('lists kept between calls while the store is unchanged', () => {
  it('read again once the version moves; the least recently used dropped beyond the ids kept', async () => {
    let version = 'a';
    const reads: string[] = [];
    const cache = new ListCache(() => version, 5);
    const ids = (key: string, n: number) => cache.ids(key, async () => (reads.push(key), Array.from({ length: n }, (_, i) => i)));
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
  });

  describe('ListMmsPartitions on the embedded store', () => {
    let api: TestApi;
    let src: Awaited<ReturnType<typeof createPgDatabase>>;
    let sourceId: number;
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
      api = await TestApi.start('sqlite');
      sourceId = (await call('POST', '/datasources', { name: 'lists', type: 'POSTGRESQL', config: { source: src.conn } })).dataSourceId;
      await scan(sourceId);
    });
    afterAll(async () => {
      await api?.close();
      await src?.drop();
    });

    it('page after page with a contains filter, then as statuses change here and from another connection', async () => {
      const pages = await Promise.all([1, 2, 3].map((n) => values(`value=p01&pageSize=4&pageNum=${n}`)));
      expect(pages.map((p) => p.total)).toEqual([10, 10, 10]);
      expect(pages.flatMap((p) => p.values)).toEqual(Array.from({ length: 10 }, (_, i) => `k=p01${i}`));
      expect(await values('status=DONE&value=p01')).toEqual({ total: 0, values: [] });

      await setPartitionStatus(api.testStore.store.db, await partition('p012'), 'DONE');
      expect(await values('status=DONE&value=p01')).toEqual({ total: 1, values: ['k=p012'] });
      expect(await values('status=INIT&value=p01&pageSize=20')).toMatchObject({ total: 9 });

      // Another connection to the file (a second process on the same store) changes one.
      const other = new SqliteDatabase(api.testStore.url.replace(/^sqlite:/, ''));
      try {
        other.prepare("UPDATE catalog_partitions SET status = 'FAILED' WHERE value = 'k=p013'").run();
      } finally {
        other.close();
      }
      expect(await values('status=FAILED&value=p01')).toEqual({ total: 1, values: ['k=p013'] });
      expect(await values('status=INIT&value=p01&pageSize=20')).toMatchObject({ total: 8 });
    });
  });
});
