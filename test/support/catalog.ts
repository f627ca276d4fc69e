import type { Store } from '../../src/store/store.js';
import { countPartitions, countTables } from '../../src/store/catalog-status.js';
import { parseSpec } from '../../src/connectors/partition-spec.js';
import type { PartitionMeta, SourceCatalog, TableMeta } from '../../src/connectors/connector.js';

/** Every partition a connector lists for a table, its batches joined. */
export async function allPartitions(cat: SourceCatalog, db: string, t: TableMeta): Promise<PartitionMeta[]> {
  const out: PartitionMeta[] = [];
  for await (const batch of cat.partitions(db, t)) out.push(...batch);
  return out;
}

export interface SeedTable {
  name: string;
  partitions?: string[];
  /** Text columns by name. */
  columns?: string[];
}

/** String partition columns named by the keys of the first partition value (`dt=…/region=…`). */
function partitionColumnsOf(t: SeedTable) {
  const first = t.partitions?.[0];
  if (!first) return [];
  return parseSpec(first).map(([name]) => ({ name, nativeType: 'text', type: 'string', nullable: false, comment: null }));
}

/** Puts a scanned-looking database into the catalog, counters included; returns ids by name. */
export async function seedCatalog(store: Store, sourceId: number, dbName: string, tables: SeedTable[]) {
  const now = Date.now();
  const { db } = store;
  const stats = { status: 'INIT' as const, updated: 0, num_rows: 0, size: 0, fingerprint: null, last_ddl_time: null, create_time: now, update_time: now };
  const { id: dbId } = await db
    .insertInto('catalog_dbs')
    .values({ ...stats, source_id: sourceId, name: dbName, table_num: tables.length, partition_num: 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const partitionIds = new Map<string, number>();
  const tableIds = new Map<string, number>();
  for (const t of tables) {
    const { id: tableId } = await db
      .insertInto('catalog_tables')
      .values({ ...stats, source_id: sourceId, db_id: dbId, name: t.name, schema_name: null, columns: JSON.stringify((t.columns ?? []).map((name) => ({ name, nativeType: 'text', type: 'string', nullable: true, comment: null }))), partition_columns: JSON.stringify(partitionColumnsOf(t)), has_partitions: t.partitions ? 1 : 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    tableIds.set(t.name, tableId);
    await countTables(db, dbId, { INIT: 1 });
    for (const value of t.partitions ?? []) {
      const { id } = await db
        .insertInto('catalog_partitions')
        .values({ ...stats, source_id: sourceId, db_id: dbId, table_id: tableId, value })
        .returning('id')
        .executeTakeFirstOrThrow();
      partitionIds.set(`${t.name}/${value}`, id);
    }
    await countPartitions(db, tableId, { INIT: t.partitions?.length ?? 0 });
  }
  return { dbId, tableIds, partitionIds };
}
