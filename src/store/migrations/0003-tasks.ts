import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** Tasks a job is split into, the partitions of each task, and their logs. */
export const tasks: StoreMigration = {
  name: '0003-tasks',
  async up(db: Kysely<any>, { idType, bigint, primaryId }) {
    await db.schema
      .createTable('tasks')
      .addColumn('id', idType, primaryId)
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
      .addColumn('source_id', 'integer', (c) => c.notNull())
      .addColumn('table_id', 'integer', (c) => c.notNull())
      .addColumn('src_db_name', 'varchar(512)', (c) => c.notNull())
      .addColumn('src_table_name', 'varchar(512)', (c) => c.notNull())
      .addColumn('dst_db_name', 'varchar(512)', (c) => c.notNull())
      .addColumn('dst_table_name', 'varchar(512)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('partitions_total', 'integer', (c) => c.notNull())
      .addColumn('partitions_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('rows', bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('bytes', bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('size', bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('err_msg', 'text')
      .addColumn('next_attempt_time', bigint)
      .addColumn('start_time', bigint)
      .addColumn('end_time', bigint)
      .addColumn('create_time', bigint, (c) => c.notNull())
      .addColumn('update_time', bigint, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tasks_job').on('tasks').columns(['job_id', 'status']).execute();
    await db.schema.createIndex('tasks_status').on('tasks').columns(['status', 'id']).execute();

    await db.schema
      .createTable('task_partitions')
      .addColumn('task_id', 'integer', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('partition_id', 'integer')
      .addColumn('value', 'text')
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('rows', bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('verification', 'text')
      .addPrimaryKeyConstraint('task_partitions_pk', ['task_id', 'seq'])
      .execute();

    await db.schema
      .createTable('task_logs')
      .addColumn('id', idType, primaryId)
      .addColumn('task_id', 'integer', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
      .addColumn('time', bigint, (c) => c.notNull())
      .addColumn('level', 'varchar(8)', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('data', 'text')
      .execute();
    await db.schema.createIndex('task_logs_task').on('task_logs').columns(['task_id', 'id']).execute();
  },
};
