import type { CreateTableBuilder, Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

export const initial: StoreMigration = {
  name: '0001-initial',
  async up(db: Kysely<any>, { idType, bigint, primaryId }) {
    // What every catalog object (db, table, partition) records of itself.
    const catalogStats = <T extends CreateTableBuilder<any, any>>(t: T) =>
      t
        .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('INIT'))
        .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('num_rows', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('size', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('fingerprint', 'text')
        .addColumn('last_ddl_time', bigint)
        .addColumn('create_time', bigint, (c) => c.notNull())
        .addColumn('update_time', bigint, (c) => c.notNull());

    await db.schema
      .createTable('datasources')
      .addColumn('id', idType, primaryId)
      .addColumn('name', 'varchar(128)', (c) => c.notNull().unique())
      .addColumn('type', 'varchar(32)', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('secrets', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('err_msg', 'text')
      .addColumn('last_update_time', bigint)
      .addColumn('db_num', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('table_num', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('partition_num', bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('create_time', bigint, (c) => c.notNull())
      .addColumn('update_time', bigint, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('catalog_dbs')
      .addColumn('id', idType, primaryId)
      .addColumn('source_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      .addColumn('name', 'varchar(512)', (c) => c.notNull())
      .addColumn('table_num', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('partition_num', bigint, (c) => c.notNull().defaultTo(0))
      .$call(catalogStats)
      .addUniqueConstraint('catalog_dbs_source_name', ['source_id', 'name'])
      .execute();

    await db.schema
      .createTable('catalog_tables')
      .addColumn('id', idType, primaryId)
      .addColumn('source_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      .addColumn('db_id', 'integer', (c) => c.notNull().references('catalog_dbs.id').onDelete('cascade'))
      .addColumn('name', 'varchar(512)', (c) => c.notNull())
      .addColumn('schema_name', 'varchar(512)')
      .addColumn('columns', 'text', (c) => c.notNull())
      .addColumn('partition_columns', 'text', (c) => c.notNull())
      .addColumn('has_partitions', 'integer', (c) => c.notNull().defaultTo(0))
      .$call(catalogStats)
      .addUniqueConstraint('catalog_tables_db_name', ['db_id', 'name'])
      .execute();

    await db.schema
      .createTable('catalog_partitions')
      .addColumn('id', idType, primaryId)
      .addColumn('source_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      .addColumn('db_id', 'integer', (c) => c.notNull().references('catalog_dbs.id').onDelete('cascade'))
      .addColumn('table_id', 'integer', (c) => c.notNull().references('catalog_tables.id').onDelete('cascade'))
      .addColumn('value', 'text', (c) => c.notNull())
      .$call(catalogStats)
      .addUniqueConstraint('catalog_partitions_table_value', ['table_id', 'value'])
      .execute();

    await db.schema
      .createTable('jobs')
      .addColumn('id', idType, primaryId)
      .addColumn('source_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      .addColumn('db_id', 'integer', (c) => c.notNull().references('catalog_dbs.id').onDelete('cascade'))
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('src_db_name', 'varchar(512)', (c) => c.notNull())
      .addColumn('src_schema_name', 'varchar(512)')
      .addColumn('dst_db_name', 'varchar(512)', (c) => c.notNull())
      .addColumn('dst_schema_name', 'varchar(512)')
      .addColumn('type', 'varchar(16)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('stopped', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('eta', 'varchar(32)')
      .addColumn('timer_id', 'integer')
      .addColumn('task_num', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('task_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('create_time', bigint, (c) => c.notNull())
      .addColumn('update_time', bigint, (c) => c.notNull())
      .addUniqueConstraint('jobs_source_name', ['source_id', 'name'])
      .execute();
    // ListMmsJobs always filters by source; the common extra filters get their own indexes.
    await db.schema.createIndex('jobs_source_status').on('jobs').columns(['source_id', 'status', 'id']).execute();
    await db.schema.createIndex('jobs_source_db').on('jobs').columns(['source_id', 'src_db_name']).execute();
    await db.schema.createIndex('jobs_timer').on('jobs').column('timer_id').execute();

    await db.schema
      .createTable('job_tables')
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
      .addColumn('src_table_name', 'varchar(512)', (c) => c.notNull())
      .addColumn('dst_table_name', 'varchar(512)', (c) => c.notNull())
      .addPrimaryKeyConstraint('job_tables_pk', ['job_id', 'src_table_name'])
      .execute();
    await db.schema.createIndex('job_tables_src').on('job_tables').columns(['src_table_name', 'job_id']).execute();
    await db.schema.createIndex('job_tables_dst').on('job_tables').columns(['dst_table_name', 'job_id']).execute();
  },
};
