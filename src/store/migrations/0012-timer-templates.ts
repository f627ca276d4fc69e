import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** MMS timers: a job template each firing creates a job from, and a log of the firings (ListMmsTimerLogs). */
export const timerTemplates: StoreMigration = {
  name: '0012-timer-templates',
  async up(db: Kysely<any>, { idType, bigint, primaryId }) {
    await db.schema.alterTable('timers').addColumn('src_db_name', 'varchar(512)').execute();
    await db.schema.alterTable('timers').addColumn('template', 'text').execute();
    await db.schema
      .createTable('timer_logs')
      .addColumn('id', idType, primaryId)
      .addColumn('timer_id', 'integer', (c) => c.notNull().references('timers.id').onDelete('cascade'))
      .addColumn('source_id', 'integer', (c) => c.notNull())
      .addColumn('job_id', 'integer')
      .addColumn('async_task_id', 'integer')
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('action', 'varchar(64)', (c) => c.notNull())
      .addColumn('msg', 'text', (c) => c.notNull())
      .addColumn('create_time', bigint, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('timer_logs_timer').on('timer_logs').columns(['timer_id', 'id']).execute();
  },
};
