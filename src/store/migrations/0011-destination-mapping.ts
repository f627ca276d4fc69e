import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/**
 * MMS's destination mapping in the catalog (UpdateMmsDb/Table/Tables): where a database's and a
 * table's data go when a job does not say (NULL: the defaults), and, per job table, the
 * destination database it resolved to.
 */
export const destinationMapping: StoreMigration = {
  name: '0011-destination-mapping',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('catalog_dbs').addColumn('dst_project_name', 'varchar(512)').execute();
    await db.schema.alterTable('catalog_dbs').addColumn('dst_name', 'varchar(512)').execute();
    await db.schema.alterTable('catalog_tables').addColumn('dst_project_name', 'varchar(512)').execute();
    await db.schema.alterTable('catalog_tables').addColumn('dst_schema_name', 'varchar(512)').execute();
    await db.schema.alterTable('catalog_tables').addColumn('dst_name', 'varchar(512)').execute();
    await db.schema.alterTable('job_tables').addColumn('dst_db_name', 'varchar(512)').execute();
  },
};
