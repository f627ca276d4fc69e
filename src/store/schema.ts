import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types of the metadata store. Both dialects store the same shapes:
 * times are epoch milliseconds, booleans are 0/1 integers, JSON is text.
 * Keeping one representation means one query layer serves SQLite and PostgreSQL.
 */
export interface Database {
  datasources: DataSourceTable;
  catalog_dbs: CatalogDbTable;
  catalog_tables: CatalogTableTable;
  catalog_partitions: CatalogPartitionTable;
  jobs: JobTable;
  job_tables: JobTableTable;
  scans: ScanTable;
  tasks: TaskTable;
  task_partitions: TaskPartitionTable;
  task_logs: TaskLogTable;
  timers: TimerTable;
  timer_fires: TimerFireTable;
  access_keys: AccessKeyTable;
  api_tokens: ApiTokenTable;
  signature_nonces: SignatureNonceTable;
  destination_claims: DestinationClaimTable;
  file_grants: FileGrantTable;
  async_tasks: AsyncTaskTable;
  timer_logs: TimerLogTable;
  task_throughput: TaskThroughputTable;
  job_snapshots: JobSnapshotTable;
}

/** The snapshot a job run reads its source in (engine/snapshots.ts), held by one process under a lease. */
export interface JobSnapshotTable {
  job_id: number;
  run: number;
  /** Which snapshot of the run this is: a new one (its predecessor ended) counts up. */
  epoch: number;
  /** What readers of other processes join it by (PostgreSQL's exported snapshot); null where none can. */
  token: string | null;
  holder: string;
  lease_until: number;
}

/** Rows and bytes a task moved in one time bucket (store/throughput.ts). */
export interface TaskThroughputTable {
  task_id: number;
  job_id: number;
  /** Start of the bucket, epoch milliseconds, a multiple of THROUGHPUT_BUCKET_MS. */
  bucket: number;
  rows: number;
  bytes: number;
}

/** An MMS asynchronous task (GetMmsAsyncTask): OpenMMS finishes the work within the call, so each is recorded done or failed. */
export interface AsyncTaskTable {
  id: Generated<number>;
  source_id: number;
  /** TASK_CREATE (CreateMmsJob), STOP_JOB (StopMmsJob), UPDATE_DATASOURCE (UpdateMmsDataSource). */
  type: string;
  /** What it made or acted on: the job, or the data source. */
  object_id: number | null;
  status: 'DONE' | 'FAILED';
  result: string | null;
  error_msg: string | null;
  create_time: number;
  end_time: number | null;
}

/** A signature nonce seen, kept until its request could no longer be accepted anyway. */
export interface SignatureNonceTable {
  nonce: string;
  expire_time: number;
}

/** A data source that writes a destination table: its owner (`shared` 0, one per table) or a writer allowed to share it. */
export interface DestinationClaimTable {
  /** The destination: `<engine>://host:port/database` of a server, `<engine>:<real path>` of a file or folder. */
  endpoint: string;
  /** The table there, as JSON `[database, table]`. */
  object: string;
  source_id: number;
  shared: number;
  /** The access key whose policy let a sharer write it (null: the owner, or shared before keys were kept). */
  granted_by: string | null;
  create_time: number;
}

/** A data source allowed to use files another one reads or writes (datasources/sharing.ts), by the key whose policy allowed it. */
export interface FileGrantTable {
  source_id: number;
  other_id: number;
  granted_by: string;
}

/** An API caller: its secret is sealed (signatures need it in the clear), its policy is JSON. */
export interface AccessKeyTable {
  id: string;
  name: string;
  secret: string;
  policy: string;
  create_time: number;
}

/** A bearer token, stored only as its SHA-256; it acts with its access key's policy until it expires. */
export interface ApiTokenTable {
  hash: string;
  access_key_id: string;
  expire_time: number;
  create_time: number;
}

export type ScheduleType = 'Daily' | 'Hourly' | 'Cron';

/** A schedule that re-runs its jobs (those with its timer_id), incrementally. */
export interface TimerTable {
  id: Generated<number>;
  source_id: number;
  name: string;
  /** Daily: value HH:MM; Hourly: value MM; Cron: a cron expression (5 fields, or 6 with seconds). */
  schedule_type: ScheduleType;
  value: string;
  /** IANA time zone the schedule is read in. */
  timezone: string;
  stopped: number;
  /** The latest tick handled (fired or skipped), epoch ms. */
  last_tick: number | null;
  /** MMS timers: the source database and the job template (JSON, timers/service.ts TimerTemplate) each firing creates a job from. NULL: a timer that re-runs the jobs created with its timerId. */
  src_db_name: string | null;
  template: string | null;
  create_time: number;
  update_time: number;
}

/** One firing of a timer and what came of it (ListMmsTimerLogs). */
export interface TimerLogTable {
  id: Generated<number>;
  timer_id: number;
  source_id: number;
  job_id: number | null;
  /** The TASK_CREATE async task of the job it created (MMS reports this id). */
  async_task_id: number | null;
  status: string;
  action: string;
  msg: string;
  create_time: number;
}

/** One row per fired tick: the primary key makes a tick fire once, however many processes see it. */
export interface TimerFireTable {
  timer_id: number;
  tick: number;
  fired_at: number;
  jobs_started: Generated<number>;
}

export type TaskStatus = 'INIT' | 'DOING' | 'DONE' | 'FAILED';
/**
 * What a run does with a task partition: copy it; compare it first (an increment's slice DONE and
 * unchanged at the last scan: copied only if the two ends differ); remove it (a partition gone
 * from the source, deleted at the destination).
 */
export type SliceMode = 'copy' | 'compare' | 'remove';
/** What a task DOING does now, or did when it FAILED (jobs/task-status.ts). */
export type TaskPhase = 'SCHEMA' | 'DATA' | 'VERIFICATION';

/** One unit of work: a group of partitions of one table, or a whole table without partitions. */
export interface TaskTable {
  id: Generated<number>;
  job_id: number;
  /** The job run that planned this task. */
  run: Generated<number>;
  source_id: number;
  table_id: number;
  src_db_name: string;
  src_table_name: string;
  dst_db_name: string;
  dst_table_name: string;
  status: TaskStatus;
  attempts: Generated<number>;
  partitions_total: number;
  partitions_done: Generated<number>;
  rows: Generated<number>;
  bytes: Generated<number>;
  /** Source bytes planned (catalog sizes), for bin-packing and progress. */
  size: Generated<number>;
  err_msg: string | null;
  /** Not before this time (backoff after a transient failure). */
  next_attempt_time: number | null;
  /** Cluster mode: the worker holding the task, and until when (heartbeats extend it). */
  lease_owner: string | null;
  lease_until: number | null;
  /** Which of its job run's snapshots the task read in (job_snapshots.epoch); null: one of its own. */
  snapshot_epoch: number | null;
  /** The phase the task is in (DOING) or failed in (FAILED): jobs/task-status.ts. */
  phase: TaskPhase | null;
  /** Times it was put back in the queue after failing: by the engine (transient) or by a retry call. */
  retries: Generated<number>;
  start_time: number | null;
  end_time: number | null;
  create_time: number;
  update_time: number;
}

export interface TaskPartitionTable {
  task_id: number;
  seq: number;
  /** Catalog partition, or null for a whole table. */
  partition_id: number | null;
  value: string | null;
  location: string;
  status: TaskStatus;
  rows: Generated<number>;
  /** JSON: {sourceRows, destinationRows, ok}. */
  verification: string | null;
  /** A chunk of a table: the rows whose integer `range_key` lies in [range_lo, range_hi) (null: unbounded). */
  range_key: string | null;
  range_lo: string | null;
  range_hi: string | null;
  mode: Generated<SliceMode>;
  /** The snapshot the slice was made exact in, where the source tells changes since (engine/change-marks.ts). */
  change_mark: Generated<string | null>;
  /** A chunk cut in the source's order: JSON Cut (connectors/data.ts). */
  cut: Generated<string | null>;
}

export interface TaskLogTable {
  id: Generated<number>;
  task_id: number;
  time: number;
  level: 'INFO' | 'WARN' | 'ERROR';
  message: string;
  data: string | null;
  /** The task's status (as MMS shows it, jobs/task-status.ts) when the line was written; null before 0019. */
  status: string | null;
}

/** Children of a catalog row counted by migration status (roll-up, catalog/rollup.ts). */
export interface StatusCounters {
  n_init: Generated<number>;
  n_doing: Generated<number>;
  n_done: Generated<number>;
  n_failed: Generated<number>;
  n_part_done: Generated<number>;
}

/** Marks every catalog row carries: dropped at the source, and the scan that last saw it. */
interface ScanMarks {
  dropped: Generated<number>;
  scan_id: number | null;
}

/** A database's, table's or partition's migration status (MMS's catalog statuses). */
export const MIGRATION_STATUSES = ['INIT', 'DOING', 'DONE', 'FAILED', 'PART_DONE'] as const;
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];
/** A job's or task's status (MMS's job statuses). */
export const JOB_STATUSES = ['INIT', 'DOING', 'DONE', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobType = 'Database' | 'Tables' | 'Partitions';

export interface DataSourceTable {
  id: Generated<number>;
  name: string;
  type: string;
  /** Connection settings with every secret removed (JSON). */
  config: string;
  /** Secrets of the connection settings, encrypted (see security/secrets.ts). */
  secrets: string;
  /** What the source and the destination reach (security/endpoint.ts keys), as last resolved; null until then. */
  source_endpoint: string | null;
  destination_endpoint: string | null;
  /** STARTED, or STOPPED by UpdateMmsDataSource action STOP (no scans, no job runs until START). */
  status: string;
  /** MMS's region and network link: kept and echoed, unused. */
  region: string | null;
  networklink: string | null;
  err_msg: string | null;
  last_update_time: number | null;
  db_num: number;
  table_num: number;
  partition_num: number;
  create_time: number;
  update_time: number;
}

/** What every catalog object (db, table, partition) records of itself. */
interface CatalogStats {
  status: MigrationStatus;
  /** 1 when the source changed since the object was last migrated. */
  updated: number;
  num_rows: number;
  size: number;
  fingerprint: string | null;
  last_ddl_time: number | null;
  create_time: number;
  update_time: number;
}

/** MMS's destination mapping of a db or table (UpdateMmsDb/Table/Tables); NULL: the default. */
interface DestinationMapping {
  /** The destination database (MMS's project). */
  dst_project_name: string | null;
}

export interface CatalogDbTable extends CatalogStats, StatusCounters, ScanMarks, DestinationMapping {
  id: Generated<number>;
  source_id: number;
  name: string;
  /** MMS's destination schema of the db: kept and shown; OpenMMS destinations have no schema layer under the database. */
  dst_name: string | null;
  table_num: number;
  partition_num: number;
}

export interface CatalogTableTable extends CatalogStats, StatusCounters, ScanMarks, DestinationMapping {
  id: Generated<number>;
  /** MMS's destination schema: kept and shown (see CatalogDbTable.dst_name). */
  dst_schema_name: string | null;
  /** The destination table. */
  dst_name: string | null;
  comment: string | null;
  source_id: number;
  db_id: number;
  name: string;
  schema_name: string | null;
  /** Columns as JSON: [{name, type, nullable, comment}] */
  columns: string;
  /** Partition columns as JSON, same shape as columns. */
  partition_columns: string;
  has_partitions: number;
  /** An integer key the table (or, partitioned, each of its partitions) can be cut into chunks by (its primary key's first column), and its bounds at the scan (a partitioned table's: its partitions'). */
  chunk_key: string | null;
  key_min: string | null;
  key_max: string | null;
  /** The oldest snapshot of the last run that made the whole table exact, where the source tells changes since (engine/change-marks.ts). */
  change_mark: Generated<string | null>;
  /** Where a table without an integer key is cut into chunks: JSON Cuts (connectors/data.ts), kept between scans. */
  cuts: Generated<string | null>;
}

export interface CatalogPartitionTable extends CatalogStats, ScanMarks {
  id: Generated<number>;
  /** Child table, partition name or folder the partition's rows live in. */
  location: Generated<string>;
  source_id: number;
  db_id: number;
  table_id: number;
  /** Canonical text form p1=v1/p2=v2 with escaped values. */
  value: string;
  /** 1 when the spec is every row's values (PartitionMeta.exact). */
  exact: Generated<number>;
  /** Its least and greatest value of the table's integer key (catalog_tables.chunk_key) at the scan: a big partition is cut into chunks by it. */
  key_min: Generated<string | null>;
  key_max: Generated<string | null>;
}

export interface JobTable {
  id: Generated<number>;
  source_id: number;
  db_id: number;
  name: string;
  src_db_name: string;
  src_schema_name: string | null;
  dst_db_name: string;
  dst_schema_name: string | null;
  type: JobType;
  status: JobStatus;
  stopped: number;
  /** The MMS job config object (JSON), as validated at creation. */
  config: string;
  eta: string | null;
  timer_id: number | null;
  task_num: number;
  task_done: number;
  /** Which run of the job taskNum/taskDone and status describe (1, then +1 at each re-run). */
  run: Generated<number>;
  create_time: number;
  update_time: number;
}

/** The tables a job covers, resolved at creation, so jobs filter by source/destination table. */
export interface JobTableTable {
  job_id: number;
  src_table_name: string;
  dst_table_name: string;
  /** Where this table goes when the catalog maps it elsewhere than the job's dst_db_name; NULL: there. */
  dst_db_name: string | null;
}

export type ScanStatus = 'INIT' | 'DOING' | 'DONE' | 'FAILED';

export interface ScanTable {
  id: Generated<number>;
  source_id: number;
  status: ScanStatus;
  db_name: string | null;
  /** JSON array of table names, or null for every table. */
  table_names: string | null;
  /** 0–100. */
  progress: number;
  /** JSON ScanResult (catalog/scan.ts) once done. */
  result: string | null;
  err_msg: string | null;
  create_time: number;
  start_time: number | null;
  end_time: number | null;
  /** The process running it, until when (catalog/scan-runs.ts): a lapsed lease is another's to take. */
  lease_owner: Generated<string | null>;
  lease_until: Generated<number | null>;
}

export type DataSourceRow = Selectable<DataSourceTable>;
export type NewDataSource = Insertable<DataSourceTable>;
export type DataSourceUpdate = Updateable<DataSourceTable>;
export type CatalogDbRow = Selectable<CatalogDbTable>;
export type CatalogTableRow = Selectable<CatalogTableTable>;
export type CatalogPartitionRow = Selectable<CatalogPartitionTable>;
export type JobRow = Selectable<JobTable>;
export type ScanRow = Selectable<ScanTable>;
export type TaskRow = Selectable<TaskTable>;
export type TaskPartitionRow = Selectable<TaskPartitionTable>;
export type TaskLogRow = Selectable<TaskLogTable>;
export type TimerLogRow = Selectable<TimerLogTable>;
export type TimerRow = Selectable<TimerTable>;
