import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import { decodeColumns } from '../connectors/connector.js';
import { decodeCuts } from '../connectors/cuts.js';
import { SINGLE_WRITER, type Engine } from '../connectors/engines.js';
import { writesChunks } from '../connectors/index.js';
import { decodeDataSourceConfig } from '../datasources/stored-config.js';
import { parseSpec } from '../connectors/partition-spec.js';
import { compileFilter, type PartitionFilter } from '../planner/filter/compile.js';
import { planTasks, taskLimits, type PlanOptions, type PlanTable } from '../planner/tasks.js';
import type { Database, JobRow, JobType } from '../store/schema.js';
import { tableKeyOf } from '../store/catalog.js';
import { decodeJobConfig, switchOf, VERIFY_ONLY, type JobConfig } from './config.js';
import { writePlan } from './ledger/jobs.js';

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
    // Live partitions, and those gone from the source whose rows may still be at the destination.
    const all = t.has_partitions
      ? (await db.selectFrom('catalog_partitions').select(['id', 'value', 'location', 'size', 'num_rows', 'key_min', 'key_max', 'status', 'updated', 'dropped']).where('table_id', '=', t.id).where((eb) => eb.or([eb('dropped', '=', 0), eb('status', '!=', 'INIT')])).execute()).map(
          (p) => ({ id: p.id, value: p.value, spec: parseSpec(p.value), location: p.location, size: p.size, rows: p.num_rows, key: tableKeyOf({ chunk_key: t.chunk_key, key_min: p.key_min, key_max: p.key_max }), status: p.status, updated: p.updated === 1, dropped: p.dropped === 1 }),
        )
      : [];
    const partitions = all.filter((p) => !p.dropped);
    const dropped = all.filter((p) => p.dropped);
    tables.push({ tableId: t.id, src: t.name, dst, partitioned: t.has_partitions === 1, status: t.status, updated: t.updated === 1, size: t.size, rows: t.num_rows, partitions, dropped, chunkKey: tableKeyOf(t), cuts: decodeCuts(t.cuts) });
    const expr = partitionFilters[t.name];
    if (expr) filters.set(t.name, compileFilter(expr, decodeColumns(t.partition_columns).map(({ name, type }) => ({ name, type }))));
  }
  return { tables, filters };
}

/** The planner's options for a job's config; `destination`: the engine it writes, where chunks matter (whether it takes them). */
export function planOptions(config: Pick<JobConfig, 'increment' | 'taskType' | 'partitions' | 'others'>, type: JobType, filters: Map<string, PartitionFilter>, destination?: Engine): PlanOptions {
  const limits = taskLimits(config.others, destination !== undefined && SINGLE_WRITER.has(destination));
  return {
    // A verification-only job checks everything in scope, copied or not.
    increment: config.increment && config.taskType !== VERIFY_ONLY,
    filters,
    partitionIds: type === 'Partitions' ? new Set(config.partitions) : null,
    ...limits,
    chunk: destination !== undefined && writesChunks(destination) ? limits.chunk : null,
    cuts: config.taskType !== VERIFY_ONLY,
    keepDeleted: switchOf(config.others, 'increment.keepDeleted') === true,
  };
}

/** Reads what the planner needs from the catalog, plans, and has the ledger write the tasks of the job's run. */
export async function planJob(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', job: JobRow, now = Date.now()): Promise<number> {
  const config = decodeJobConfig(job.config);
  const jobTables = await db.selectFrom('job_tables').selectAll().where('job_id', '=', job.id).execute();
  const { tables, filters } = await loadPlanTables(db, job.db_id, jobTables.map((t) => ({ src: t.src_table_name, dst: t.dst_table_name })), config.partitionFilters);
  const source = await db.selectFrom('datasources').select('config').where('id', '=', job.source_id).executeTakeFirstOrThrow();
  const planned = planTasks(tables, planOptions(config, job.type, filters, decodeDataSourceConfig(source.config).destination.type));
  // Tables the catalog maps to another destination database than the job's.
  const dstDbOf = new Map(jobTables.map((t) => [t.src_table_name, t.dst_db_name]));

  return writePlan(db, dialect, job, planned, dstDbOf, now);
}
