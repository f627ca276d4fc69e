import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/**
 * A job run's snapshot of its source (engine/snapshots.ts): who holds it, until when, and which
 * one it is (a run whose snapshot ended reads on in a new one, counted by `epoch`); the epoch each
 * task read in. Chunks: a big table's integer key the scan found (catalog), and the key range a
 * task partition copies.
 */
export const snapshotsChunks: StoreMigration = {
  name: '0018-snapshots-chunks',
  async up(db: Kysely<any>, { bigint }) {
    await db.schema
      .createTable('job_snapshots')
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
      .addColumn('run', 'integer', (c) => c.notNull())
      .addColumn('epoch', 'integer', (c) => c.notNull())
      .addColumn('token', 'varchar(200)')
      .addColumn('holder', 'varchar(200)', (c) => c.notNull())
      .addColumn('lease_until', bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('job_snapshots_pk', ['job_id', 'run'])
      .execute();
    await db.schema.alterTable('tasks').addColumn('snapshot_epoch', 'integer').execute();
    await db.schema.alterTable('catalog_tables').addColumn('chunk_key', 'varchar(1000)').execute();
    await db.schema.alterTable('catalog_tables').addColumn('key_min', 'varchar(40)').execute();
    await db.schema.alterTable('catalog_tables').addColumn('key_max', 'varchar(40)').execute();
    await db.schema.alterTable('task_partitions').addColumn('range_key', 'varchar(1000)').execute();
    await db.schema.alterTable('task_partitions').addColumn('range_lo', 'varchar(40)').execute();
    await db.schema.alterTable('task_partitions').addColumn('range_hi', 'varchar(40)').execute();
  },
};
