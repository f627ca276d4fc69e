import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/**
 * Cut chunks (connectors/data.ts Cut): a table's cut points as a scan found them (JSON Cuts),
 * kept between scans so its chunks keep their destination tags; the cut a task partition copies.
 * And a partition's least and greatest integer key, by which a big one is cut into chunks.
 */
export const cuts: StoreMigration = {
  name: '0023-cuts',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('catalog_tables').addColumn('cuts', 'text').execute();
    await db.schema.alterTable('task_partitions').addColumn('cut', 'text').execute();
    await db.schema.alterTable('catalog_partitions').addColumn('key_min', 'varchar(40)').execute();
    await db.schema.alterTable('catalog_partitions').addColumn('key_max', 'varchar(40)').execute();
  },
};
