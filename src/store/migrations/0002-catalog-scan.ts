import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

const STATUS_COUNTERS = ['n_init', 'n_doing', 'n_done', 'n_failed', 'n_part_done'] as const;

/** Metadata scans, and what a scan needs on catalog rows: drop marks, scan generation, roll-up counters. */
export const catalogScan: StoreMigration = {
  name: '0002-catalog-scan',
  async up(db: Kysely<any>, { idType, bigint, primaryId }) {
    await db.schema
      .createTable('scans')
      .addColumn('id', idType, primaryId)
      .addColumn('source_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('db_name', 'varchar(512)')
      .addColumn('table_names', 'text')
      .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('result', 'text')
      .addColumn('err_msg', 'text')
      .addColumn('create_time', bigint, (c) => c.notNull())
      .addColumn('start_time', bigint)
      .addColumn('end_time', bigint)
      .execute();
    await db.schema.createIndex('scans_source_status').on('scans').columns(['source_id', 'status']).execute();

    for (const table of ['catalog_dbs', 'catalog_tables', 'catalog_partitions']) {
      await db.schema.alterTable(table).addColumn('dropped', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable(table).addColumn('scan_id', 'integer').execute();
    }
    await db.schema.alterTable('catalog_tables').addColumn('comment', 'text').execute();
    await db.schema.alterTable('catalog_partitions').addColumn('location', 'text', (c) => c.notNull().defaultTo('')).execute();
    // Children counted by status, so a parent's status rolls up without re-reading its children.
    for (const table of ['catalog_dbs', 'catalog_tables']) {
      for (const counter of STATUS_COUNTERS) {
        await db.schema.alterTable(table).addColumn(counter, bigint, (c) => c.notNull().defaultTo(0)).execute();
      }
    }
    await db.schema.createIndex('catalog_tables_source').on('catalog_tables').columns(['source_id', 'db_id', 'name']).execute();
    await db.schema.createIndex('catalog_partitions_source').on('catalog_partitions').columns(['source_id', 'table_id', 'id']).execute();
    await db.schema.createIndex('catalog_partitions_scan').on('catalog_partitions').columns(['table_id', 'scan_id']).execute();
  },
};
