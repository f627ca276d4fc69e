import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/**
 * What a run does with a task partition: `copy` it; `compare` it first (an increment's slice DONE
 * and unchanged at the last scan: copied only if the two ends differ); or `remove` it (a partition
 * gone from the source, deleted at the destination).
 */
export const sliceModes: StoreMigration = {
  name: '0021-slice-modes',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('task_partitions').addColumn('mode', 'varchar(10)', (c) => c.notNull().defaultTo('copy')).execute();
  },
};
