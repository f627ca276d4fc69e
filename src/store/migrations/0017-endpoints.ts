import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/**
 * One endpoint identity (security/endpoint.ts) kept with each data source, so claims and limits
 * compare it without resolving anything; the access key behind each grant to share, so a grant
 * ends with its key.
 */
export const endpoints: StoreMigration = {
  name: '0017-endpoints',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('datasources').addColumn('source_endpoint', 'varchar(4200)').execute();
    await db.schema.alterTable('datasources').addColumn('destination_endpoint', 'varchar(4200)').execute();
    await db.schema.createIndex('datasources_source_endpoint').on('datasources').column('source_endpoint').execute();
    await db.schema.createIndex('datasources_destination_endpoint').on('datasources').column('destination_endpoint').execute();
    // Shared claims made from now on end with the key whose policy allowed them.
    await db.schema.alterTable('destination_claims').addColumn('granted_by', 'varchar(64)', (c) => c.references('access_keys.id').onDelete('cascade')).execute();
    await db.schema
      .createTable('file_grants')
      .addColumn('source_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      .addColumn('other_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      .addColumn('granted_by', 'varchar(64)', (c) => c.notNull().references('access_keys.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('file_grants_pk', ['source_id', 'other_id'])
      .execute();
  },
};
