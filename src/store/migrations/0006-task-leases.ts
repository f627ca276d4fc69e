import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** Cluster workers hold a task by lease: an owner and a time the owner's heartbeats keep pushing on. */
export const taskLeases: StoreMigration = {
  name: '0006-task-leases',
  async up(db: Kysely<any>, { bigint }) {
    await db.schema.alterTable('tasks').addColumn('lease_owner', 'varchar(128)').execute();
    await db.schema.alterTable('tasks').addColumn('lease_until', bigint).execute();
  },
};
