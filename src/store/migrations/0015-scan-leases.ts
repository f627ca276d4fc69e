import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** Scans are held by a lease like tasks: a process that dies mid-scan leaves it to another (catalog/scan-runs.ts). */
export const scanLeases: StoreMigration = {
  name: '0015-scan-leases',
  async up(db: Kysely<any>, { bigint }) {
    await db.schema.alterTable('scans').addColumn('lease_owner', 'varchar(128)').execute();
    await db.schema.alterTable('scans').addColumn('lease_until', bigint).execute();
  },
};
