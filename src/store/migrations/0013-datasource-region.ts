import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** MMS's region and network link of a data source: meaningless on OpenMMS's engines, kept and echoed for MMS tooling. */
export const dataSourceRegion: StoreMigration = {
  name: '0013-datasource-region',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('datasources').addColumn('region', 'varchar(64)').execute();
    await db.schema.alterTable('datasources').addColumn('networklink', 'varchar(256)').execute();
  },
};
