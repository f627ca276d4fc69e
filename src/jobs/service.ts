import type { Store } from '../store/store.js';
import { isUniqueViolation } from '../store/store.js';
import * as jobs from '../store/jobs.js';
import * as ledger from './ledger/jobs.js';
import { requeueFailedTask } from './ledger/tasks.js';
import * as catalog from '../store/catalog.js';
import { runThroughput, type RunThroughput } from '../store/throughput.js';
import { destinationDatabase, type DataSourceService } from '../datasources/service.js';
import { resolveScope, type ScopeRequest } from '../planner/scope.js';
import { applyJobAction, type JobAction } from './lifecycle.js';
import { loadPlanTables, planOptions } from './plan.js';
import { planTasks, type PlannedTask } from '../planner/tasks.js';
import { conflict, invalid, MmsError, notFound } from '../errors.js';
import type { JobType } from '../store/schema.js';
import { DEFAULT_JOB_LIMITS, type JobLimits } from './quotas.js';
import type { DestinationGuard } from '../datasources/destination-guard.js';
import type { ShareRights } from '../datasources/sharing.js';
import { destinationNameProblem, nameKey, type NameKind } from '../connectors/names.js';
import { SLICE_COLUMN } from '../connectors/data.js';
import type { Engine } from '../connectors/engines.js';
import { VERIFY_ONLY, type JobConfig } from './config.js';
import { assertOthers } from './others.js';
import { noSchemaLevel } from '../catalog/service.js';
import { decodeColumns } from '../connectors/connector.js';
import { fidelity } from '../connectors/fidelity.js';
import { logicalType, maxColumns, slicesAsFolders, writesChunks } from '../connectors/index.js';
import { StoreCache, type CallVersion } from '../store/store-cache.js';

/** The body of CreateMmsJob. */
export interface CreateJobRequest extends ScopeRequest {
  sourceId?: number;
  sourceName?: string;
  /** Default: the source database's name and the time (the reference makes it optional). */
  name?: string;
  /** Default: the catalog's only database (refused when it has several or none). */
  srcDbName?: string;
  srcSchemaName?: string;
  dstDbName?: string;
  dstSchemaName?: string;
  taskType?: string;
  schemaOnly?: boolean;
  /** MMS: false creates and alters no destination table (each must be there as the copy needs it). */
  enableSchemaMigration?: boolean;
  /** MMS: false copies no data (as schemaOnly). */
  enableDataMigration?: boolean;
  increment?: boolean;
  enableVerification?: boolean;
  tunnelQuota?: string;
  others?: Record<string, unknown>;
  eta?: string;
  /** A timer of the same data source that re-runs the job at each tick. */
  timerId?: number;
}


/** What a job would cover: see JobService.preview. */
export interface JobPreview {
  type: JobType;
  tableNum: number;
  partitionMatched: number;
  partitionToCopy: number;
  taskNum: number;
  size: number;
  tables: {
    srcTableName: string;
    dstTableName: string;
    partitioned: boolean;
    partitionNum: number;
    partitionMatched: number;
    partitionToCopy: number;
    toCopy: boolean;
  }[];
}

const limitExceeded = (message: string, status = 429) => new MmsError(status, 'LimitExceeded', message);

/** What the job calls need of the engine that runs jobs. */
export interface JobEngine {
  /** Aborts a job's running tasks and waits for their slices in flight to roll back. */
  stopJob(jobId: number): Promise<void>;
  /** There may be new work. */
  nudge(): void;
}

export class JobService {
  /** ListMmsJobs' ids, and that a data source exists, kept between calls while the store is unchanged. */
  private readonly lists: StoreCache;

  constructor(
    private readonly store: Store,
    private readonly dataSources: DataSourceService,
    private readonly engine: JobEngine | null,
    private readonly guard: DestinationGuard,
    private readonly limits: JobLimits = DEFAULT_JOB_LIMITS,
  ) {
    this.lists = new StoreCache(store.version);
  }

  /** Refuses one more queued or running job once `maxActiveJobs` are (over all data sources). */
  private async assertJobSlot(self: number | null): Promise<void> {
    const { n } = await this.store.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['INIT', 'DOING'])
      .where('stopped', '=', 0)
      .where('id', '!=', self ?? 0)
      .executeTakeFirstOrThrow();
    if (Number(n) >= this.limits.maxActiveJobs) {
      throw limitExceeded(`${n} jobs are queued or running, the most this service runs at once (OPENMMS_MAX_ACTIVE_JOBS=${this.limits.maxActiveJobs}); wait for some to finish or stop some`);
    }
  }

  /** Refuses a job that would cover more than `maxPartitionsPerJob` partitions (counted only when the catalog holds that many). */
  private async assertPartitionCount(dbId: number, tables: { src: string; dst: string }[], config: JobConfig, type: JobType): Promise<void> {
    const max = this.limits.maxPartitionsPerJob;
    const names = tables.map((t) => t.src);
    let upper = 0;
    for (let i = 0; i < names.length; i += 500) {
      const { n } = await this.store.db
        .selectFrom('catalog_partitions as p')
        .innerJoin('catalog_tables as t', 't.id', 'p.table_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('t.db_id', '=', dbId)
        .where('t.name', 'in', names.slice(i, i + 500))
        .where('p.dropped', '=', 0)
        .executeTakeFirstOrThrow();
      upper += Number(n);
    }
    if (upper <= max) return;
    const { tables: plan, filters } = await loadPlanTables(this.store.db, dbId, tables, config.partitionFilters);
    const covered = planTasks(plan, { ...planOptions(config, type, filters), increment: false }).reduce((n, t) => n + (t.partitions?.length ?? 0), 0);
    if (covered > max) {
      throw limitExceeded(`the job would cover ${covered} partitions, more than ${max} per job (OPENMMS_MAX_PARTITIONS_PER_JOB); split it with partition filters or table lists`, 400);
    }
  }

  /**
   * Refuses, before anything is copied, a column the destination engine cannot hold exactly
   * (connectors/fidelity.ts), and two columns of a table it would take for one (their names, as
   * `columnMapping` makes them, differ only in letter case where it ignores case).
   */
  private async assertColumns(source: Engine, destination: Engine, dbId: number, tables: string[], columnMapping: Record<string, string>): Promise<void> {
    for (let i = 0; i < tables.length; i += 500) {
      const rows = await this.store.db.selectFrom('catalog_tables').select(['name', 'columns', 'has_partitions', 'cuts']).where('db_id', '=', dbId).where('dropped', '=', 0).where('name', 'in', tables.slice(i, i + 500)).execute();
      for (const row of rows) {
        // A partitioned table's rows carry their partition in a column of their own, where they are not kept in folders; a table cut into chunks in the source's order, its chunk.
        const tagged = (row.has_partitions === 1 || (row.cuts !== null && writesChunks(destination))) && !slicesAsFolders(destination);
        const seen = new Map<string, string>(tagged ? [[nameKey(destination, 'column', SLICE_COLUMN), SLICE_COLUMN]] : []);
        const columns = decodeColumns(row.columns);
        const most = maxColumns(destination);
        if (most !== undefined && columns.length + (tagged ? 1 : 0) > most.limit) {
          const extra = tagged ? ' (one more holds each row\'s partition)' : '';
          throw invalid(`table '${row.name}' has ${columns.length} columns${extra}, more than ${most.because} split it, or copy it to another destination`);
        }
        for (const column of columns) {
          const type = logicalType(source, column);
          const f = fidelity(type, destination);
          if (f.outcome === 'refused') throw invalid(`table '${row.name}', column '${column.name}' (${column.nativeType}): ${f.note}`);
          const name = columnMapping[column.name] ?? column.name;
          const other = seen.get(nameKey(destination, 'column', name));
          // The same name twice is refused earlier (resolveScope); here they differ in letter case only.
          if (other !== undefined) {
            throw invalid(`table '${row.name}': the columns '${other}' and '${name}' would be one column in the ${destination} destination, which does not tell names apart by letter case; rename one with columnMapping`);
          }
          seen.set(nameKey(destination, 'column', name), name);
        }
      }
    }
  }

  /** The source database a job names, or the catalog's only one when it names none. */
  private async sourceDb(sourceId: number, name: string | undefined) {
    if (name !== undefined) {
      const db = await catalog.findDbByName(this.store.db, sourceId, name);
      if (!db) throw invalid(`srcDbName: database '${name}' is not in the catalog of data source ${sourceId}; run a metadata scan first`);
      return db;
    }
    const dbs = await catalog.liveDbs(this.store.db, sourceId, 6);
    if (dbs.length === 1) return dbs[0]!;
    if (dbs.length === 0) throw invalid(`srcDbName: data source ${sourceId} has no database in its catalog yet; run a metadata scan first`);
    throw invalid(`srcDbName: data source ${sourceId} has ${dbs.length > 5 ? 'more than 5' : dbs.length} databases (${dbs.slice(0, 5).map((d) => `'${d.name}'`).join(', ')}${dbs.length > 5 ? ', …' : ''}); name the one to migrate`);
  }

  /** Checks the request against the data source and its catalog; returns what the job covers. */
  private async resolve(sourceId: number, req: CreateJobRequest) {
    const source = await this.dataSources.started(sourceId);
    assertOptions(req);
    if (req.sourceId !== undefined && req.sourceId !== sourceId) {
      throw invalid(`body sourceId ${req.sourceId} does not match the path's data source ${sourceId}`);
    }
    if (req.sourceName !== undefined && req.sourceName !== source.row.name) {
      throw invalid(`sourceName '${req.sourceName}' does not match data source ${sourceId} ('${source.row.name}')`);
    }
    const db = await this.sourceDb(sourceId, req.srcDbName);
    const scope = resolveScope(req, {
      tables: await catalog.tableNames(this.store.db, db.id),
      partitionTables: await catalog.partitionTables(this.store.db, db.id, req.partitions ?? []),
      partitionColumns: await catalog.partitionColumns(this.store.db, db.id, Object.keys(req.partitionFilters ?? {})),
      columns: req.columnMapping && Object.keys(req.columnMapping).length ? await catalog.columnNames(this.store.db, db.id) : new Map(),
    });
    // The catalog's destination mapping (UpdateMmsDb/Table/Tables) where the request leaves a name out;
    // a table mapped to another database goes there, whatever the job's dstDbName (reference §2.9:
    // per-table destinations come from the catalog).
    const dstDb = req.dstDbName ?? db.dst_project_name ?? destinationDatabase(source.config);
    const mapping = await catalog.destinationMapping(this.store.db, db.id, scope.tables.map((t) => t.src));
    scope.tables = scope.tables.map((t) => {
      const m = mapping.get(t.src);
      return { src: t.src, dst: req.tableMapping?.[t.src] ?? m?.dst_name ?? t.dst, dstDb: m?.dst_project_name ?? dstDb };
    });
    assertDestinationNames(source.config.destination.type, dstDb, scope.tables, req.columnMapping ?? {});
    await this.assertColumns(source.type, source.config.destination.type, db.id, scope.tables.map((t) => t.src), req.columnMapping ?? {});
    if (req.timerId !== undefined) {
      const timer = await this.store.db.selectFrom('timers').select('id').where('id', '=', req.timerId).where('source_id', '=', sourceId).executeTakeFirst();
      if (!timer) throw invalid(`timerId: data source ${sourceId} has no timer ${req.timerId}`);
    }
    return { source, db, scope, dstDb, config: jobConfig(req) };
  }

  /**
   * What a job would cover if created now, without creating it: the same checks as create (a bad
   * filter is the same 400 with its position), then the partitions its filters select and those
   * an incremental run would copy.
   */
  async preview(sourceId: number, req: CreateJobRequest): Promise<JobPreview> {
    const { source, db, scope, config } = await this.resolve(sourceId, req);
    const { tables, filters } = await loadPlanTables(this.store.db, db.id, scope.tables, config.partitionFilters);
    const options = planOptions(config, scope.type, filters, source.config.destination.type);
    // What a run copies: not what an increment only compares (copied only if found changed), nor what it removes.
    const copies = (t: PlannedTask): { size: number }[] => (t.partitions ?? [t]).filter((c) => c.mode === 'copy');
    const count = (planned: PlannedTask[]) => {
      const n = new Map<string, number>();
      for (const t of planned) n.set(t.src, (n.get(t.src) ?? 0) + copies(t).length);
      return n;
    };
    const matched = count(planTasks(tables, { ...options, increment: false }));
    const copying = planTasks(tables, options);
    const toCopy = count(copying);
    const out = tables.map((t) => ({
      srcTableName: t.src,
      dstTableName: t.dst,
      partitioned: t.partitioned,
      partitionNum: t.partitions.length,
      partitionMatched: t.partitioned ? (matched.get(t.src) ?? 0) : 0,
      partitionToCopy: t.partitioned ? (toCopy.get(t.src) ?? 0) : 0,
      toCopy: (toCopy.get(t.src) ?? 0) > 0,
    }));
    const sum = (f: (t: (typeof out)[number]) => number) => out.reduce((n, t) => n + f(t), 0);
    return {
      type: scope.type,
      tableNum: out.length,
      partitionMatched: sum((t) => t.partitionMatched),
      partitionToCopy: sum((t) => t.partitionToCopy),
      taskNum: copying.length,
      size: copying.flatMap(copies).reduce((n, c) => n + c.size, 0),
      tables: out,
    };
  }

  /** `rights`: whose destination tables the caller may write too (see DestinationGuard). */
  async create(sourceId: number, req: CreateJobRequest, rights?: ShareRights, now = Date.now()): Promise<number> {
    const { source, db, scope, dstDb, config } = await this.resolve(sourceId, req);
    await jobs.assertNotMigrating(this.store.db, db.id, scope.tables.map((t) => t.src));
    await this.assertPartitionCount(db.id, scope.tables, config, scope.type);
    await this.assertJobSlot(null);
    const destinationTables = scope.tables.map((t) => ({ db: t.dstDb ?? dstDb, table: t.dst }));
    const name = req.name ?? timestampedName(db.name, now);
    try {
      const id = await ledger.insertJob(
        this.store.db,
        {
          source_id: sourceId,
          db_id: db.id,
          name,
          src_db_name: db.name,
          src_schema_name: req.srcSchemaName ?? null,
          dst_db_name: dstDb,
          dst_schema_name: req.dstSchemaName ?? null,
          type: scope.type,
          status: 'INIT',
          stopped: 0,
          config: JSON.stringify(config),
          eta: req.eta ?? null,
          timer_id: req.timerId ?? null,
          task_num: 0,
          task_done: 0,
          create_time: now,
          update_time: now,
        },
        scope.tables,
        // Claimed with the job, or not at all: a refused job leaves no claim behind.
        (tx) => this.guard.claim(source, destinationTables, { rights, db: tx }),
      );
      this.engine?.nudge();
      return id;
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`data source ${sourceId} already has a job named '${name}'`);
      throw err;
    }
  }

  async get(sourceId: number, jobId: number): Promise<jobs.JobListRow> {
    await this.dataSources.describe(sourceId);
    const job = await jobs.findJob(this.store.db, sourceId, jobId);
    if (!job) throw notFound('Job', jobId);
    return job;
  }

  /** The throughput series of the job's latest run. */
  async throughput(sourceId: number, jobId: number): Promise<{ job: jobs.JobListRow; throughput: RunThroughput }> {
    const job = await this.get(sourceId, jobId);
    return { job, throughput: await runThroughput(this.store.db, jobId, job.run) };
  }

  async list(sourceId: number, filter: jobs.JobFilter, page: { offset: number; limit: number }, statusOrder?: 'asc' | 'desc', callVersion?: CallVersion) {
    const view = await this.lists.at(callVersion);
    await view.value(`source ${sourceId}`, async () => void (await this.dataSources.describe(sourceId)));
    return jobs.listJobs(this.store.db, sourceId, filter, page, statusOrder, view);
  }

  async act(sourceId: number, jobId: number, action: JobAction, now = Date.now()): Promise<void> {
    const job = await this.get(sourceId, jobId);
    const current = { status: job.status, stopped: job.stopped === 1 };
    const next = applyJobAction(jobId, current, action);
    if (action === 'delete') return ledger.deleteJob(this.store.db, jobId);
    if (action === 'start' || action === 'retry') {
      await this.dataSources.started(sourceId);
      await this.assertJobSlot(jobId);
    }
    if (action === 'start') {
      const tables = await this.store.db.selectFrom('job_tables').select('src_table_name').where('job_id', '=', jobId).execute();
      await jobs.assertNotMigrating(this.store.db, job.db_id, tables.map((t) => t.src_table_name), jobId);
    }
    if (!(await ledger.setJobState(this.store.db, jobId, current, next, now, { newRun: action === 'start' && job.status === 'DONE', retryFailed: action === 'retry' }))) {
      throw conflict(`job ${jobId} changed state while the request ran; read it again and retry`);
    }
    if (action === 'stop') await this.engine?.stopJob(jobId);
    else this.engine?.nudge();
  }

  /** RetryMmsTask: re-queues one FAILED task; a FAILED job runs again for it (its other failed tasks stay failed). */
  async retryTask(sourceId: number, taskId: number, now = Date.now()): Promise<void> {
    const task = await this.store.db.selectFrom('tasks').select(['job_id', 'status']).where('id', '=', taskId).where('source_id', '=', sourceId).executeTakeFirst();
    if (!task) throw notFound('Task', taskId);
    if (task.status !== 'FAILED') throw conflict(`task ${taskId} is ${task.status}; only a FAILED task can be retried`);
    await this.dataSources.started(sourceId);
    const job = await this.get(sourceId, task.job_id);
    if (job.status === 'FAILED') {
      const current = { status: job.status, stopped: job.stopped === 1 };
      await this.assertJobSlot(job.id);
      if (!(await ledger.setJobState(this.store.db, job.id, current, applyJobAction(job.id, current, 'retry'), now))) {
        throw conflict(`job ${job.id} changed state while the request ran; read it again and retry`);
      }
    }
    await requeueFailedTask(this.store.db, taskId, now);
    this.engine?.nudge();
  }
}

/** Every name the job writes must be one the destination engine can hold as it is (see connectors/names.ts). */
function assertDestinationNames(engine: Engine, db: string, tables: { src: string; dst: string; dstDb?: string }[], columnMapping: Record<string, string>): void {
  const check = (kind: NameKind, name: string, field: string) => {
    const problem = destinationNameProblem(engine, kind, name);
    if (problem) throw invalid(`${field}: '${name}' cannot be written to the ${engine} destination: ${problem}`);
  };
  check('database', db, 'dstDbName');
  for (const t of tables) {
    check('table', t.dst, t.dst === t.src ? `table '${t.src}'` : `tableMapping['${t.src}']`);
    if (t.dstDb !== undefined && t.dstDb !== db) check('database', t.dstDb, `table '${t.src}' (its catalog dstProjectName)`);
  }
  for (const [from, to] of Object.entries(columnMapping)) check('column', to, `columnMapping['${from}']`);
}

/** Options a job would store and ignore, or that leave it nothing to do, are refused. */
function assertOptions(req: CreateJobRequest): void {
  noSchemaLevel('srcSchemaName', req.srcSchemaName);
  noSchemaLevel('dstSchemaName', req.dstSchemaName);
  if (req.taskType && req.taskType !== VERIFY_ONLY) {
    throw invalid(`taskType: '${req.taskType}' names an MMS transfer method; OpenMMS copies with its own engine, and takes only ${VERIFY_ONLY} (verify the destination against the source without copying)`);
  }
  if (req.tunnelQuota) throw invalid(`tunnelQuota: '${req.tunnelQuota}' names a MaxCompute Tunnel quota; OpenMMS has none, so it is refused rather than stored and ignored`);
  if (req.enableSchemaMigration === false && (req.schemaOnly === true || req.enableDataMigration === false)) {
    throw invalid('enableSchemaMigration and enableDataMigration are both off (schemaOnly is enableDataMigration off): the job would neither create tables nor copy rows');
  }
  assertOthers(req.others ?? {});
}

/** The stored config of a request: every key present, MMA's defaults where the request is silent. */
function jobConfig(req: CreateJobRequest): JobConfig {
  return {
    partitions: req.partitions ?? [],
    tables: req.tables ?? [],
    taskType: req.taskType ?? null,
    tableBlackList: req.tableBlackList ?? [],
    tableWhiteList: req.tableWhiteList ?? [],
    partitionFilters: req.partitionFilters ?? {},
    // MMS's enableDataMigration off is schemaOnly; its enableSchemaMigration off is stored only then.
    schemaOnly: req.schemaOnly === true || req.enableDataMigration === false,
    tableMapping: req.tableMapping ?? {},
    // MMA's defaults: re-runs copy only what changed, and every copy is verified.
    increment: req.increment ?? true,
    enableVerification: req.enableVerification ?? true,
    tunnelQuota: req.tunnelQuota ?? null,
    columnMapping: req.columnMapping ?? {},
    others: req.others ?? {},
    ...(req.enableSchemaMigration === false && { enableSchemaMigration: false }),
  };
}

/** `sales-20261127T095500123Z`: unique per millisecond, within the Name limits (a job named by no one: a timer's firing, a body without one). */
export const timestampedName = (prefix: string, now: number) => `${prefix.slice(0, 96)}-${new Date(now).toISOString().replace(/[-:.]/g, '')}`;
