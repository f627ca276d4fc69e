import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/**
 * Change marks (engine/change-marks.ts): the snapshot each slice of an unpartitioned keyed table
 * was made exact in, and per table the oldest of its last complete run's, which the next
 * increment asks the source about instead of hashing every row.
 */
export const changeMarks: StoreMigration = {
  name: '0022-change-marks',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('task_partitions').addColumn('change_mark', 'text').execute();
    await db.schema.alterTable('catalog_tables').addColumn('change_mark', 'text').execute();
  },
};
