import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** A job can run again (a start after DONE, a timer): each run plans its own tasks, numbered. */
export const jobRuns: StoreMigration = {
  name: '0004-job-runs',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('jobs').addColumn('run', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('tasks').addColumn('run', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.createIndex('tasks_job_run').on('tasks').columns(['job_id', 'run', 'status']).execute();
  },
};
