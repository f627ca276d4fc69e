import type { Kysely, Transaction } from 'kysely';
import { COUNTER, rollUp, type StatusDelta } from './rollup.js';
import type { Database, MigrationStatus } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
type Level = 'catalog_tables' | 'catalog_dbs';
const COUNTERS = ['n_init', 'n_doing', 'n_done', 'n_failed', 'n_part_done'] as const;

/**
 * Statuses are kept up to date incrementally: a change of children adjusts the parent's counters
 * and, when the parent's rolled-up status changes, the grandparent's — never a re-aggregation.
 */
async function adjust(db: Db, level: Level, id: number, delta: StatusDelta): Promise<{ from: MigrationStatus; to: MigrationStatus } | null> {
  const entries = Object.entries(delta).filter(([, n]) => n) as [MigrationStatus, number][];
  if (entries.length === 0) return null;
  await db
    .updateTable(level)
    .set((eb) => Object.fromEntries(entries.map(([s, n]) => [COUNTER[s], eb(COUNTER[s], '+', n)])))
    .where('id', '=', id)
    .execute();
  const row = await db.selectFrom(level).select([...COUNTERS, 'status']).where('id', '=', id).executeTakeFirstOrThrow();
  const to = rollUp(row);
  if (to === row.status) return null;
  await db.updateTable(level).set({ status: to }).where('id', '=', id).execute();
  return { from: row.status, to };
}

/** Partitions of a table changed status (or appeared / disappeared): roll up to table and db. */
export async function countPartitions(db: Db, tableId: number, delta: StatusDelta): Promise<void> {
  const moved = await adjust(db, 'catalog_tables', tableId, delta);
  if (!moved) return;
  const t = await db.selectFrom('catalog_tables').select(['db_id', 'dropped']).where('id', '=', tableId).executeTakeFirstOrThrow();
  if (!t.dropped) await countTables(db, t.db_id, { [moved.from]: -1, [moved.to]: 1 });
}

/** Tables of a database changed status (or appeared / disappeared): roll up to the db. */
export async function countTables(db: Db, dbId: number, delta: StatusDelta): Promise<void> {
  await adjust(db, 'catalog_dbs', dbId, delta);
}

/** Sets one partition's migration status, rolling the change up to its table and db in the same transaction. */
export async function setPartitionStatus(db: Kysely<Database>, partitionId: number, status: MigrationStatus): Promise<void> {
  await db.transaction().execute((tx) => movePartitions(tx, [partitionId], status));
}

/** Ids per statement: SQLite takes at most 32,766 parameters, and short lists plan well everywhere. */
const CHUNK = 500;

/**
 * Partitions just copied: the source no longer differs from the destination (in the caller's
 * transaction); nor does their table, once none of its partitions does.
 */
export async function markUnchanged(tx: Db, partitionIds: number[]): Promise<void> {
  for (let i = 0; i < partitionIds.length; i += CHUNK) {
    const ids = partitionIds.slice(i, i + CHUNK);
    await tx.updateTable('catalog_partitions').set({ updated: 0 }).where('id', 'in', ids).execute();
    await tx
      .updateTable('catalog_tables')
      .set({ updated: 0 })
      .where('updated', '=', 1)
      .where('id', 'in', (eb) => eb.selectFrom('catalog_partitions').select('table_id').where('id', 'in', ids))
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('catalog_partitions as p').select('p.id').whereRef('p.table_id', '=', 'catalog_tables.id').where('p.updated', '=', 1).where('p.dropped', '=', 0))))
      .execute();
  }
}

/**
 * Sets partitions' migration status in the caller's transaction (a batch of slices moves together),
 * rolling each table's change up once.
 */
export async function movePartitions(tx: Db, partitionIds: number[], status: MigrationStatus): Promise<void> {
  for (let i = 0; i < partitionIds.length; i += CHUNK) {
    const ids = partitionIds.slice(i, i + CHUNK);
    const moving = await tx
      .selectFrom('catalog_partitions')
      .select(['table_id', 'status', 'dropped'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', 'in', ids)
      .where('status', '!=', status)
      .groupBy(['table_id', 'status', 'dropped'])
      .execute();
    if (moving.length === 0) continue;
    await tx.updateTable('catalog_partitions').set({ status }).where('id', 'in', ids).where('status', '!=', status).execute();
    const deltas = new Map<number, StatusDelta>();
    for (const m of moving.filter((m) => !m.dropped)) {
      const delta = deltas.get(m.table_id) ?? {};
      delta[m.status] = (delta[m.status] ?? 0) - Number(m.n);
      delta[status] = (delta[status] ?? 0) + Number(m.n);
      deltas.set(m.table_id, delta);
    }
    for (const [tableId, delta] of deltas) await countPartitions(tx, tableId, delta);
  }
}

/** Sets an unpartitioned table's status (it has no partitions to roll up from) and rolls it up to its db. */
export async function setTableStatus(db: Kysely<Database>, tableId: number, status: MigrationStatus): Promise<void> {
  await db.transaction().execute((tx) => moveTable(tx, tableId, status));
}

/** setTableStatus in the caller's transaction. */
export async function moveTable(tx: Db, tableId: number, status: MigrationStatus): Promise<void> {
  const t = await tx.selectFrom('catalog_tables').select(['db_id', 'status', 'dropped', 'has_partitions']).where('id', '=', tableId).executeTakeFirstOrThrow();
  if (t.has_partitions) throw new Error(`table ${tableId} is partitioned: its status follows its partitions`);
  if (t.status === status) return;
  await tx.updateTable('catalog_tables').set({ status }).where('id', '=', tableId).execute();
  if (!t.dropped) await countTables(tx, t.db_id, { [t.status]: -1, [status]: 1 });
}

/**
 * UpdateMmsDb/Table/Tables `status`: sets tables, and all their partitions, to INIT or FAILED (an
 * incremental job copies them again) or DONE (it skips them), rolled up to their dbs.
 */
export async function setTablesStatus(db: Kysely<Database>, tableIds: number[], status: 'INIT' | 'DONE' | 'FAILED'): Promise<void> {
  const done = status === 'DONE' ? { updated: 0 } : {};
  await db.transaction().execute(async (tx) => {
    for (const id of tableIds) {
      const t = await tx.selectFrom('catalog_tables').select(['db_id', 'status', 'dropped', 'has_partitions']).where('id', '=', id).executeTakeFirstOrThrow();
      if (t.has_partitions) {
        const counts = await tx
          .selectFrom('catalog_partitions')
          .select('status')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('table_id', '=', id)
          .where('dropped', '=', 0)
          .groupBy('status')
          .execute();
        await tx.updateTable('catalog_partitions').set({ status, ...done }).where('table_id', '=', id).where('dropped', '=', 0).execute();
        if (status === 'DONE') await tx.updateTable('catalog_tables').set(done).where('id', '=', id).execute();
        const delta: StatusDelta = {};
        for (const c of counts) {
          delta[c.status] = (delta[c.status] ?? 0) - Number(c.n);
          delta[status] = (delta[status] ?? 0) + Number(c.n);
        }
        if (!t.dropped) await countPartitions(tx, id, delta);
      } else {
        // Said by hand, the status vouches for no snapshot: the table's change mark is forgotten.
        await tx.updateTable('catalog_tables').set({ status, ...done, change_mark: null }).where('id', '=', id).execute();
        if (!t.dropped && t.status !== status) await countTables(tx, t.db_id, { [t.status]: -1, [status]: 1 });
      }
    }
  });
}
