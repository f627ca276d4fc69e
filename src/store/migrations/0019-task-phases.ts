import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/**
 * The phase a task is in, or failed in (schema, data, verification); how often it was retried (by
 * the engine after a transient failure, or by RetryMmsTask/RetryMmsJob: MMS's retriedTimes); and a
 * task log line's task status when it was written.
 */
export const taskPhases: StoreMigration = {
  name: '0019-task-phases',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tasks').addColumn('phase', 'varchar(20)').execute();
    await db.schema.alterTable('tasks').addColumn('retries', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('task_logs').addColumn('status', 'varchar(30)').execute();
  },
};
