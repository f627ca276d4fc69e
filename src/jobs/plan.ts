import type { Kysely } from 'kysely';
import { lockingRows } from '../store/sql.js';
import type { FastifyBaseLogger } from 'fastify';
import type { ColumnMeta } from '../connectors/connector.js';
import { parseSpec } from '../connectors/partition-spec.js';
import { compileFilter, type PartitionFilter } from '../planner/filter/compile.js';
import { planTasks, taskLimits, type PlanOptions, type PlanTable } from '../planner/tasks.js';
import type { Database, JobRow, JobType } from '../store/schema.js';
import { VERIFY_ONLY, type JobConfig } from './config.js';

/** Jobs queued (INIT, not stopped) whose current run has no tasks yet. */
export function unplannedJobs(db: Kysely<Database>) {
  return db
    .selectFrom('jobs as j')
    .selectAll('j')
    .where('j.stopped', '=', 0)
    .where('j.status', '=', 'INIT')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('tasks as t').select('t.id').whereRef('t.job_id', '=', 'j.id').whereRef('t.run', '=', 'j.run'))))
    .orderBy('j.id')
    .execute();
}

/** Plans every queued job that has no tasks yet. */
export async function planQueuedJobs(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', log: Pick<FastifyBaseLogger, 'info'>): Promise<void> {
  for (const job of await unplannedJobs(db)) {
    const n = await planJob(db, dialect, job);
    log.info({ jobId: job.id, tasks: n }, 'job planned');
  }
}

/** What the planner needs of the catalog: the job's live tables with their partitions, and the compiled filters. */
export async function loadPlanTables(db: Kysely<Database>, dbId: number, jobTables: { src: string; dst: string }[], partitionFilters: Record<string, string>) {
  const catalogTables = await db
    .selectFrom('catalog_tables')
    .selectAll()
    .where('db_id', '=', dbId)
    .where('dropped', '=', 0)
    .where('name', 'in', jobTables.length ? jobTables.map((t) => t.src) : [''])
    .execute();
  const tables: PlanTable[] = [];
  const filters = new Map<string, PartitionFilter>();
  for (const t of catalogTables) {
    const dst = jobTables.find((j) => j.src === t.name)!.dst;
    const partitions = t.has_partitions
      ? (await db.selectFrom('catalog_partitions').select(['id', 'value', 'location', 'size', 'status', 'updated']).where('table_id', '=', t.id).where('dropped', '=', 0).execute()).map(
          (p) => ({ id: p.id, value: p.value, spec: parseSpec(p.value), location: p.location, size: p.size, status: p.status, updated: p.updated === 1 }),
        )
      : [];
    tables.push({ tableId: t.id, src: t.name, dst, partitioned: t.has_partitions === 1, status: t.status, updated: t.updated === 1, size: t.size, partitions });
    const expr = partitionFilters[t.name];
    if (expr) filters.set(t.name, compileFilter(expr, (JSON.parse(t.partition_columns) as ColumnMeta[]).map(({ name, type }) => ({ name, type }))));
  }
  return { tables, filters };
}

/** The planner's options for a job's config. */
export function planOptions(config: Pick<JobConfig, 'increment' | 'taskType' | 'partitions' | 'others'>, type: JobType, filters: Map<string, PartitionFilter>): PlanOptions {
  return {
    // A verification-only job checks everything in scope, copied or not.
    increment: config.increment && config.taskType !== VERIFY_ONLY,
    filters,
    partitionIds: type === 'Partitions' ? new Set(config.partitions) : null,
    ...taskLimits(config.others),
  };
}

/**
 * Reads what the planner needs from the catalog, plans, and writes the tasks of a job in one
 * transaction. A job with nothing to copy is DONE at once.
 */
export async function planJob(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', job: JobRow, now = Date.now()): Promise<number> {
  const config = JSON.parse(job.config) as JobConfig;
  const jobTables = await db.selectFrom('job_tables').selectAll().where('job_id', '=', job.id).execute();
  const { tables, filters } = await loadPlanTables(db, job.db_id, jobTables.map((t) => ({ src: t.src_table_name, dst: t.dst_table_name })), config.partitionFilters);
  const planned = planTasks(tables, planOptions(config, job.type, filters));
  // Tables the catalog maps to another destination database than the job's.
  const dstDbOf = new Map(jobTables.map((t) => [t.src_table_name, t.dst_db_name]));

  return db.transaction().execute(async (tx) => {
    // Several API processes may plan at once: the job row lock makes one of them do it.
    const current = tx.selectFrom('jobs').select(['run', 'status']).where('id', '=', job.id);
    const locked = await lockingRows(dialect, current).executeTakeFirst();
    if (!locked || locked.run !== job.run || locked.status !== 'INIT') return 0;
    const already = await tx.selectFrom('tasks').select('id').where('job_id', '=', job.id).where('run', '=', job.run).executeTakeFirst();
    if (already) return 0;
    for (const t of planned) {
      const { id } = await tx
        .insertInto('tasks')
        .values({
          job_id: job.id, run: job.run, source_id: job.source_id, table_id: t.tableId, src_db_name: job.src_db_name, src_table_name: t.src,
          dst_db_name: dstDbOf.get(t.src) ?? job.dst_db_name, dst_table_name: t.dst, status: 'INIT', partitions_total: t.partitions?.length ?? 1, size: t.size,
          err_msg: null, next_attempt_time: null, start_time: null, end_time: null, create_time: now, update_time: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const parts = t.partitions ?? [null];
      for (let i = 0; i < parts.length; i += 500) {
        await tx
          .insertInto('task_partitions')
          .values(parts.slice(i, i + 500).map((p, k) => ({ task_id: id, seq: i + k, partition_id: p?.id ?? null, value: p?.value ?? null, location: p?.location ?? '', status: 'INIT' as const })))
          .execute();
      }
    }
    await tx
      .updateTable('jobs')
      .set({ task_num: planned.length, task_done: 0, status: planned.length ? 'INIT' : 'DONE', update_time: now })
      .where('id', '=', job.id)
      .execute();
    return planned.length;
  });
}
