import type { DataSource } from '../datasources/service.js';
import { destinationDatabase } from '../datasources/service.js';
import type { Connection } from '../connectors/engines.js';
import type { JobListRow } from '../store/jobs.js';
import type { JobConfig } from '../jobs/service.js';

/** MMS times: `yyyy-MM-dd HH:mm:ss`, here always in UTC. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A connection as the API shows it: the password becomes a yes/no. */
function publicConnection<T extends Connection>({ password, ...rest }: T) {
  return { ...rest, hasPassword: password !== undefined && password !== '' };
}

export function dataSourceOut(ds: DataSource, withConfig: boolean) {
  const { row, config } = ds;
  const dstProject = destinationDatabase(config);
  return {
    id: row.id,
    name: row.name,
    type: ds.type,
    dstType: config.destination.type,
    dstProject,
    dstProjects: [dstProject],
    lastUpdateTime: row.last_update_time === null ? null : formatTime(row.last_update_time),
    dbNum: row.db_num,
    tableNum: row.table_num,
    partitionNum: row.partition_num,
    createTime: formatTime(row.create_time),
    status: row.status,
    errMsg: row.err_msg,
    ...(withConfig && { config: { source: publicConnection(config.source), destination: publicConnection(config.destination) } }),
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
    config: JSON.parse(row.config) as JobConfig,
    eta: row.eta,
  };
}
