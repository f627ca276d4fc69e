import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/**
 * ListMmsPartitions and ListMmsJobs over big catalogs: their filters (a table, live or dropped, a
 * status; a data source) and their order (id) in one index, so a page's ids and the total are read
 * from the index alone.
 */
export const listIndexes: StoreMigration = {
  name: '0016-list-indexes',
  async up(db: Kysely<any>) {
    await db.schema.createIndex('catalog_partitions_list').on('catalog_partitions').columns(['table_id', 'source_id', 'dropped', 'id']).execute();
    await db.schema.createIndex('catalog_partitions_list_status').on('catalog_partitions').columns(['table_id', 'source_id', 'dropped', 'status', 'id']).execute();
    await db.schema.createIndex('jobs_source_id').on('jobs').columns(['source_id', 'id']).execute();
    await db.schema.createIndex('catalog_partitions_source_list').on('catalog_partitions').columns(['source_id', 'dropped', 'id']).execute();
  },
};
