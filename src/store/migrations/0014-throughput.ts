import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** Rows and bytes each task moved, per few seconds: the throughput chart of a job (store/throughput.ts). */
export const throughput: StoreMigration = {
  name: '0014-throughput',
  async up(db: Kysely<any>, { bigint }) {
    await db.schema
      .createTable('task_throughput')
      .addColumn('task_id', 'integer', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
      .addColumn('job_id', 'integer', (c) => c.notNull())
      .addColumn('bucket', bigint, (c) => c.notNull())
      .addColumn('rows', bigint, (c) => c.notNull())
      .addColumn('bytes', bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('task_throughput_pk', ['task_id', 'bucket'])
      .execute();
    await db.schema.createIndex('task_throughput_job').on('task_throughput').columns(['job_id', 'bucket']).execute();
  },
};
