import type { DataSource } from '../datasources/service.js';
import { mmsTaskStatus } from '../jobs/task-status.js';
import { configWithValues, type Lang } from '../datasources/config-items.js';
import type { DataSourceStats } from '../store/datasources.js';
import { destinationDatabase } from '../datasources/service.js';
import type { Connection } from '../connectors/engines.js';
import type { JobListRow } from '../store/jobs.js';
import { decodeJobConfig } from '../jobs/config.js';
import { decodeColumns } from '../connectors/connector.js';
import { decodeScanResult, decodeTableNames } from '../catalog/scan-runs.js';
import type { CatalogSource } from '../catalog/service.js';
import type { CatalogDbListRow, CatalogPartitionListRow, CatalogTableListRow } from '../store/catalog.js';
import type { MigrationStatus, ScanRow, TaskLogRow, TimerLogRow } from '../store/schema.js';
import { decodeTimerTemplate, type TimerListRow } from '../timers/service.js';
import { cronOf, nextTick } from '../timers/schedule.js';
import type { TaskListRow } from '../store/tasks.js';
import type { AsyncTaskRow } from '../store/async-tasks.js';
import type { RunThroughput } from '../store/throughput.js';
import type { Selectable } from 'kysely';
import type { TaskPartitionTable } from '../store/schema.js';

type TaskPartitionRow = Selectable<TaskPartitionTable>;

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** Dates formatted lately, by day: formatting a time was a list page's largest cost after its SQL. */
const dates = new Map<number, string>();

/** MMS times: `yyyy-MM-dd HH:mm:ss`, here always in UTC. */
export function formatTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let date = dates.get(day);
  if (date === undefined) {
    if (dates.size >= 4096) dates.clear();
    date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dates.set(day, date);
  }
  const s = Math.floor((ms - day * DAY_MS) / 1000);
  return `${date} ${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}`;
}

const optionalTime = (ms: number | null) => (ms === null ? null : formatTime(ms));

/** A connection as the API shows it: the password becomes a yes/no. */
function publicConnection<T extends Connection>({ password, ...rest }: T) {
  return { ...rest, hasPassword: password !== undefined && password !== '' };
}

/** `lang`: with the configuration (GetMmsDataSource withConfig), in that language. */
export function dataSourceOut(ds: DataSource, stats: DataSourceStats, lang?: Lang) {
  const { row, config } = ds;
  const dstProject = destinationDatabase(config);
  return {
    id: row.id,
    name: row.name,
    type: ds.type,
    dstType: config.destination.type,
    dstProject,
    dstProjects: [dstProject],
    lastUpdateTime: optionalTime(row.last_update_time),
    dbNum: row.db_num,
    tableNum: row.table_num,
    partitionNum: row.partition_num,
    createTime: formatTime(row.create_time),
    region: row.region,
    networklink: row.networklink,
    status: row.status,
    agentIsOnline: row.status === 'STARTED',
    errMsg: row.err_msg,
    ...stats,
    ...(lang && {
      config: configWithValues(ds.type, config, lang),
      connection: { source: publicConnection(config.source), destination: publicConnection(config.destination) },
    }),
  };
}

export function jobOut(row: JobListRow) {
  return {
    id: row.id,
    name: row.name,
    sourceId: row.source_id,
    dbId: row.db_id,
    sourceName: row.source_name,
    srcDbName: row.src_db_name,
    srcSchemaName: row.src_schema_name,
    dstDbName: row.dst_db_name,
    dstSchemaName: row.dst_schema_name,
    status: row.status,
    type: row.type,
    taskNum: row.task_num,
    stopped: row.stopped === 1,
    createTime: formatTime(row.create_time),
    taskDone: row.task_done,
    config: decodeJobConfig(row.config),
    eta: row.eta,
  };
}

/** Rates per second of a run's throughput; the last point of a running job is only as long as it has lasted. */
export function throughputOut(t: RunThroughput, running: boolean, now = Date.now()) {
  const rates = (rows: number, bytes: number, ms: number) => ({ rowsPerSecond: (rows * 1000) / ms, bytesPerSecond: (bytes * 1000) / ms });
  const last = t.points.length - 1;
  return {
    running,
    bucketSeconds: t.bucketMs / 1000,
    points: t.points.map((p, i) => ({ time: formatTime(p.time), ...rates(p.rows, p.bytes, i === last && running ? Math.min(t.bucketMs, Math.max(1000, now - p.time)) : t.bucketMs) })),
    tasks: t.tasks.map((k) => ({ taskId: k.taskId, ...rates(k.rows, k.bytes, Math.max(1000, now - t.recentFrom)) })),
  };
}

/** `yyyy-MM-dd[ HH:mm:ss]` (UTC) → epoch ms. */
export function parseTime(text: string): number {
  return Date.parse(`${text.length === 10 ? `${text} 00:00:00` : text}Z`.replace(' ', 'T'));
}

function catalogStats(row: { status: MigrationStatus; updated: number; dropped: number; num_rows: number; size: number; last_ddl_time: number | null }) {
  return { status: row.status, updated: row.updated === 1, dropped: row.dropped === 1, numRows: row.num_rows, size: row.size, lastDdlTime: optionalTime(row.last_ddl_time) };
}

/** Attributes MMS reports of Hive objects that OpenMMS's engines do not have. */
const HIVE_ONLY = { owner: null, location: null, extra: '{}' };

export function dbOut(source: CatalogSource, row: CatalogDbListRow) {
  const n = (v: number | string | null) => Number(v ?? 0);
  return {
    id: row.id, sourceId: row.source_id, sourceName: source.name, name: row.name, description: null, ...HIVE_ONLY,
    dstProjectName: row.dst_project_name ?? source.project, dstName: row.dst_name,
    ...catalogStats(row), deleted: row.dropped === 1, createTime: formatTime(row.create_time), updateTime: formatTime(row.update_time),
    tables: row.table_num, tablesDoing: row.n_doing, tablesDone: row.n_done, tablesFailed: row.n_failed, tablesPartDone: row.n_part_done,
    partitions: row.partition_num, partitionsDoing: n(row.p_n_doing), partitionsDone: n(row.p_n_done), partitionsFailed: n(row.p_n_failed),
    tableNum: row.table_num, partitionNum: row.partition_num,
  };
}

export function tableOut(source: CatalogSource, row: CatalogTableListRow) {
  const columns = (text: string) => decodeColumns(text).map(({ name, type, nativeType, nullable, comment }) => ({ name, type, nativeType, nullable, comment, defaultValue: null }));
  const partitions = row.n_init + row.n_doing + row.n_done + row.n_failed + row.n_part_done;
  return {
    id: row.id, sourceId: row.source_id, sourceName: source.name, dbId: row.db_id, dbName: row.db_name, name: row.name, type: 'TABLE',
    ...HIVE_ONLY, inputFormat: null, outputFormat: null, serde: null,
    hasPartitions: row.has_partitions === 1, ...catalogStats(row),
    dstProjectName: row.dst_project_name ?? row.db_dst_project_name ?? source.project, dstSchemaName: row.dst_schema_name ?? row.db_dst_name, dstName: row.dst_name ?? row.name,
    partitions, partitionsDoing: row.n_doing, partitionsDone: row.n_done, partitionsFailed: row.n_failed, partitionNum: partitions,
    schema: { name: row.name, comment: row.comment, columns: columns(row.columns), partitions: columns(row.partition_columns) },
  };
}

export function partitionOut(source: CatalogSource, row: CatalogPartitionListRow) {
  const { parent } = row;
  return {
    id: row.id, sourceId: row.source_id, sourceName: source.name, dbId: row.db_id, dbName: parent.db_name, tableId: row.table_id, tableName: parent.table_name, value: row.value, ...catalogStats(row),
    dstProjectName: parent.table_dst_project_name ?? parent.db_dst_project_name ?? source.project, dstSchemaName: parent.table_dst_schema_name ?? parent.db_dst_name,
    dstTableName: parent.table_dst_name ?? parent.table_name, dstValue: row.value,
  };
}

export function scanOut(row: ScanRow) {
  return {
    id: row.id, sourceId: row.source_id, status: row.status, progress: row.progress * 100, dbName: row.db_name,
    tableNames: row.table_names === null ? null : decodeTableNames(row.table_names),
    createTime: formatTime(row.create_time), startTime: optionalTime(row.start_time), endTime: optionalTime(row.end_time),
    errorMsg: row.err_msg, errMsg: row.err_msg, result: row.result, summary: row.result === null ? null : decodeScanResult(row.result),
  };
}

export function taskOut(row: TaskListRow, partitions?: TaskPartitionRow[]) {
  return {
    id: row.id, jobId: row.job_id, jobName: row.job_name, run: row.run, sourceId: row.source_id, sourceName: row.source_name, dbId: row.db_id, tableId: row.table_id,
    srcDbName: row.src_db_name, srcSchemaName: row.src_schema_name, srcTableName: row.src_table_name,
    dstDbName: row.dst_db_name, dstSchemaName: row.dst_schema_name, dstTableName: row.dst_table_name,
    // MMS's transfer type: the job's taskType, else a plain copy.
    type: decodeJobConfig(row.job_config).taskType ?? 'COPY_TASK',
    status: mmsTaskStatus(row.status, row.phase), running: row.status === 'DOING', stopped: row.stopped === 1, retriedTimes: row.retries, attempts: row.attempts,
    partitionNum: row.partitions_total, partitionDone: row.partitions_done,
    progress: row.partitions_total ? Math.floor((row.partitions_done * 100) / row.partitions_total) : 100,
    rows: row.rows, bytes: row.bytes, size: row.size, errMsg: row.err_msg,
    createTime: formatTime(row.create_time), startTime: optionalTime(row.start_time), endTime: optionalTime(row.end_time),
    ...(partitions && {
      partitions: partitions.map((p) => ({ partitionId: p.partition_id, value: p.value, status: p.status, mode: p.mode, rows: p.rows, verification: p.verification === null ? null : JSON.parse(p.verification) })),
    }),
  };
}

/**
 * A task log line in MMS's shape (`action` what the task did, `msg` its result: the structured data
 * as JSON text, a failure's error, or ok; `status` the task's status then), with OpenMMS's `level`,
 * `time`, `message` and structured `data`. Lines written before statuses were recorded with them
 * say DATA_FAILED for an error, DATA_DOING for the rest.
 */
export function taskLogOut(row: TaskLogRow, sourceId: number) {
  const data = row.data === null ? null : JSON.parse(row.data);
  const failure = typeof data?.error === 'string' ? (data as { action: string; error: string }) : null;
  return {
    id: row.id, sourceId, taskId: row.task_id, status: row.status ?? (row.level === 'ERROR' ? 'DATA_FAILED' : 'DATA_DOING'),
    action: failure?.action ?? row.message, msg: failure?.error ?? row.data ?? (row.level === 'INFO' ? 'ok' : row.level), createTime: formatTime(row.time),
    time: formatTime(row.time), level: row.level, message: row.message, data,
  };
}

/**
 * A timer as MMS shows it (reference §2.8): GetMmsTimer (`detail`) gives `createTime` as epoch
 * milliseconds in a string and `updateTime` in ISO 8601; ListMmsTimers, the usual time text.
 */
export function timerOut(row: TimerListRow, detail = false) {
  const t = row.template === null ? null : decodeTimerTemplate(row.template);
  const times = detail
    ? { createTime: String(row.create_time), updateTime: new Date(row.update_time).toISOString().replace(/\.\d{3}Z$/, 'Z') }
    : { createTime: formatTime(row.create_time), updateTime: formatTime(row.update_time) };
  return {
    id: row.id, sourceId: row.source_id, name: row.name, dbId: row.db_id, srcDbName: row.src_db_name,
    type: t === null ? null : t.partitions?.length ? 'Partitions' : t.tables?.length ? 'Tables' : 'Database',
    scheduleType: row.schedule_type, value: row.value, timezone: row.timezone,
    stopped: row.stopped === 1,
    // The store keeps the tick before creation as handled (so a new timer does not fire at once): not a tick that fired.
    lastTick: row.last_tick !== null && row.last_tick >= row.create_time ? optionalTime(row.last_tick) : null,
    nextTick: row.stopped === 1 ? null : formatTime(nextTick(cronOf(row.schedule_type, row.value), row.timezone, Date.now())),
    ...times,
    config: t === null ? null : {
      tables: t.tables ?? [], partitions: t.partitions ?? [], tableWhiteList: t.tableWhiteList ?? [], tableBlackList: t.tableBlackList ?? [],
      partitionFilters: t.partitionFilters ?? {}, tableMapping: t.tableMapping ?? {}, columnMapping: t.columnMapping ?? {},
      enableSchemaMigration: t.enableSchemaMigration ?? true, enableDataMigration: t.enableDataMigration ?? true, enableVerification: t.enableVerification ?? true,
      others: t.others ?? {}, dstDbName: t.dstDbName ?? null,
    },
  };
}

export function timerLogOut(row: TimerLogRow & { job_status: string | null }) {
  return {
    id: row.async_task_id ?? row.id, sourceId: row.source_id, timerId: row.timer_id, jobId: row.job_id, status: row.job_status ?? row.status,
    action: row.action, msg: row.msg, createTime: formatTime(row.create_time),
  };
}

export function asyncTaskOut(row: AsyncTaskRow) {
  return {
    id: row.id, sourceId: row.source_id, type: row.type, objectId: row.object_id, status: row.status, running: false, progress: 100,
    result: row.result, errorMsg: row.error_msg, createTime: formatTime(row.create_time), startTime: formatTime(row.create_time), endTime: optionalTime(row.end_time),
  };
}
