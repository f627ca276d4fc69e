import { sql, type Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** Whether a partition's spec is its rows' values (see PartitionMeta.exact); known at the next scan, assumed until then. */
export const exactPartitions: StoreMigration = {
  name: '0009-exact-partitions',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('catalog_partitions').addColumn('exact', 'integer', (c) => c.notNull().defaultTo(sql`1`)).execute();
  },
};
