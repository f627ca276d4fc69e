import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** Access keys (secret sealed like connection passwords) with their policies, and the bearer tokens issued for them. */
export const accessKeys: StoreMigration = {
  name: '0007-access-keys',
  async up(db: Kysely<any>, { bigint }) {
    await db.schema
      .createTable('access_keys')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('create_time', bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('api_tokens')
      .addColumn('hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('access_key_id', 'varchar(64)', (c) => c.notNull().references('access_keys.id').onDelete('cascade'))
      .addColumn('expire_time', bigint, (c) => c.notNull())
      .addColumn('create_time', bigint, (c) => c.notNull())
      .execute();
  },
};
