import type { Kysely } from 'kysely';
import type { StoreMigration } from './types.js';

/** Schedules that re-run jobs, and the ticks already fired (one row per tick, whoever fired it). */
export const timers: StoreMigration = {
  name: '0005-timers',
  async up(db: Kysely<any>, { idType, bigint, primaryId }) {
    await db.schema
      .createTable('timers')
      .addColumn('id', idType, primaryId)
      .addColumn('source_id', 'integer', (c) => c.notNull().references('datasources.id').onDelete('cascade'))
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('schedule_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('value', 'varchar(128)', (c) => c.notNull())
      .addColumn('timezone', 'varchar(64)', (c) => c.notNull())
      .addColumn('stopped', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_tick', bigint)
      .addColumn('create_time', bigint, (c) => c.notNull())
      .addColumn('update_time', bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('timer_fires')
      .addColumn('timer_id', 'integer', (c) => c.notNull().references('timers.id').onDelete('cascade'))
      .addColumn('tick', bigint, (c) => c.notNull())
      .addColumn('fired_at', bigint, (c) => c.notNull())
      .addColumn('jobs_started', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('timer_fires_pk', ['timer_id', 'tick'])
      .execute();
  },
};
