import type { Store } from '../../src/store/store.js';

export interface SeedTable {
  name: string;
  partitions?: string[];
}

/** Puts a scanned-looking database into the catalog, as a metadata scan would; returns ids by name. */
export async function seedCatalog(store: Store, sourceId: number, dbName: string, tables: SeedTable[]) {
  const now = Date.now();
  const { db } = store;
  const { id: dbId } = await db
    .insertInto('catalog_dbs')
    .values({ source_id: sourceId, name: dbName, create_time: now, update_time: now, status: 'INIT', updated: 0, table_num: tables.length, partition_num: 0, size: 0, num_rows: 0, fingerprint: null, last_ddl_time: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const partitionIds = new Map<string, number>();
  for (const t of tables) {
    const { id: tableId } = await db
      .insertInto('catalog_tables')
      .values({
        source_id: sourceId, db_id: dbId, name: t.name, schema_name: null, columns: '[]', partition_columns: '[]',
        has_partitions: t.partitions ? 1 : 0, status: 'INIT', updated: 0, num_rows: 0, size: 0, fingerprint: null,
        last_ddl_time: null, create_time: now, update_time: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const value of t.partitions ?? []) {
      const { id } = await db
        .insertInto('catalog_partitions')
        .values({ source_id: sourceId, db_id: dbId, table_id: tableId, value, status: 'INIT', updated: 0, num_rows: 0, size: 0, fingerprint: null, last_ddl_time: null, create_time: now, update_time: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      partitionIds.set(`${t.name}/${value}`, id);
    }
  }
  return { dbId, partitionIds };
}
