import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** MMS's asynchronous tasks: what a call that answers `asyncTaskId` did, read by GetMmsAsyncTask. */
export const asyncTasks: StoreMigration = {
  name: '0010-async-tasks',
  async up(db: Kysely<any>, { idType, bigint, primaryId }) {
    await db.schema
      .createTable('async_tasks')
      .addColumn('id', idType, primaryId)
      .addColumn('source_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      .addColumn('type', 'varchar(32)', (c) => c.notNull())
      .addColumn('object_id', bigint)
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('error_msg', 'text')
      .addColumn('create_time', bigint, (c) => c.notNull())
      .addColumn('end_time', bigint)
      .execute();
    await db.schema.createIndex('async_tasks_source').on('async_tasks').columns(['source_id', 'id']).execute();
  },
};
