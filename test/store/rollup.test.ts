import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollUp } from '../../src/store/rollup.js';
import { setPartitionStatus, setTableStatus } from '../../src/store/catalog-status.js';
import { seedCatalog } from '../support/catalog.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

describe('status roll-up rules', () => {
  const c = (n: Partial<Record<'n_init' | 'n_doing' | 'n_done' | 'n_failed' | 'n_part_done', number>>) => ({ n_init: 0, n_doing: 0, n_done: 0, n_failed: 0, n_part_done: 0, ...n });
  it('follows DOING > FAILED > PART_DONE > DONE > INIT', () => {
    expect(rollUp(c({}))).toBe('INIT');
    expect(rollUp(c({ n_init: 3 }))).toBe('INIT');
    expect(rollUp(c({ n_done: 3 }))).toBe('DONE');
    expect(rollUp(c({ n_done: 2, n_init: 1 }))).toBe('PART_DONE');
    expect(rollUp(c({ n_done: 2, n_part_done: 1 }))).toBe('PART_DONE');
    expect(rollUp(c({ n_done: 2, n_failed: 1 }))).toBe('FAILED');
    expect(rollUp(c({ n_failed: 2, n_doing: 1 }))).toBe('DOING');
  });
});

describe.each(STORE_KINDS)('incremental status roll-up on the %s store', (kind) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await createTestStore(kind);
    await ts.store.db.insertInto('datasources').values({ name: 's', type: 'SQLITE', config: '{}', secrets: '', status: 'OK', err_msg: null, last_update_time: null, db_num: 0, table_num: 0, partition_num: 0, create_time: 0, update_time: 0 }).execute();
  });
  afterAll(async () => {
    await ts?.drop();
  });

  it('moves table and db statuses as partitions and tables change', async () => {
    const { db } = ts.store;
    const { dbId, tableIds, partitionIds } = await seedCatalog(ts.store, 1, 'sales', [{ name: 'orders', partitions: ['d=1', 'd=2'] }, { name: 'plain' }]);
    const status = async () => {
      const t = await db.selectFrom('catalog_tables').select(['name', 'status']).where('db_id', '=', dbId).orderBy('name').execute();
      const d = await db.selectFrom('catalog_dbs').select('status').where('id', '=', dbId).executeTakeFirstOrThrow();
      return [d.status, ...t.map((r) => `${r.name}:${r.status}`)];
    };
    expect(await status()).toEqual(['INIT', 'orders:INIT', 'plain:INIT']);
    await setPartitionStatus(db, partitionIds.get('orders/d=1')!, 'DOING');
    expect(await status()).toEqual(['DOING', 'orders:DOING', 'plain:INIT']);
    await setPartitionStatus(db, partitionIds.get('orders/d=1')!, 'DONE');
    expect(await status()).toEqual(['PART_DONE', 'orders:PART_DONE', 'plain:INIT']);
    await setPartitionStatus(db, partitionIds.get('orders/d=2')!, 'DONE');
    expect(await status()).toEqual(['PART_DONE', 'orders:DONE', 'plain:INIT']);
    await setTableStatus(db, tableIds.get('plain')!, 'FAILED');
    expect(await status()).toEqual(['FAILED', 'orders:DONE', 'plain:FAILED']);
    await setTableStatus(db, tableIds.get('plain')!, 'DONE');
    expect(await status()).toEqual(['DONE', 'orders:DONE', 'plain:DONE']);
    await expect(setTableStatus(db, tableIds.get('orders')!, 'DONE')).rejects.toThrow(/partitioned: its status follows its partitions/);
    const counters = await db.selectFrom('catalog_dbs').select(['n_init', 'n_doing', 'n_done', 'n_failed', 'n_part_done']).where('id', '=', dbId).executeTakeFirstOrThrow();
    expect(counters).toEqual({ n_init: 0, n_doing: 0, n_done: 2, n_failed: 0, n_part_done: 0 });
  });
});
