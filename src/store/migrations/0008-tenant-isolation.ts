import { sql, type Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/**
 * Signature nonces seen (kept in the store, so a replay to another API process is caught too),
 * and which data source writes each destination table (so one tenant cannot replace another's).
 * Data sources that used the one shared default destination get a private one.
 */
export const tenantIsolation: StoreMigration = {
  name: '0008-tenant-isolation',
  async up(db: Kysely<any>, { bigint }) {
    await db.schema
      .createTable('signature_nonces')
      .addColumn('nonce', 'varchar(200)', (c) => c.primaryKey())
      .addColumn('expire_time', bigint, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('signature_nonces_expire').on('signature_nonces').column('expire_time').execute();
    await db.schema
      .createTable('destination_claims')
      .addColumn('endpoint', 'varchar(4200)', (c) => c.notNull())
      .addColumn('object', 'varchar(2100)', (c) => c.notNull())
      .addColumn('source_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      // 0: the owner (the first writer); 1: a writer the policy let share it.
      .addColumn('shared', 'integer', (c) => c.notNull())
      .addColumn('create_time', bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('destination_claims_pk', ['endpoint', 'object', 'source_id'])
      .execute();
    await db.schema.createIndex('destination_claims_owner').on('destination_claims').columns(['endpoint', 'object']).unique().where(sql.ref('shared'), '=', 0).execute();
    await db.schema.createIndex('destination_claims_source').on('destination_claims').column('source_id').execute();

    const rows = await db.selectFrom('datasources').select(['id', 'config']).execute();
    for (const row of rows as { id: number; config: string }[]) {
      const config = JSON.parse(row.config);
      const d = config.destination;
      if (d?.type === 'DUCKDB' && d.path === 'destination.duckdb') {
        delete d.path;
        await db.updateTable('datasources').set({ config: JSON.stringify(config) }).where('id', '=', row.id).execute();
      }
    }
  },
};
