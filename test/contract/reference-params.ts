/**
 * The request parameters of MMS's 36 operations, as the reference lists them (its §3 tables, and
 * the path's ids), vendored so that the parameter walk (parameters.test.ts) needs nothing outside
 * the repository. Each is `in:name`.
 */
export interface ReferenceOperation {
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  params: string[];
}

export const REFERENCE_OPERATIONS: ReferenceOperation[] = [
  { operation: 'ListMmsDataSources', method: 'GET', path: '/datasources', params: ['query:name', 'query:type', 'query:region', 'query:pageNum', 'query:pageSize'] },
  { operation: 'GetMmsDataSource', method: 'GET', path: '/datasources/{sourceId}', params: ['path:sourceId', 'query:withConfig', 'query:lang'] },
  { operation: 'CreateMmsDataSource', method: 'POST', path: '/datasources', params: ['body:name', 'body:type', 'body:config', 'body:networklink'] },
  { operation: 'UpdateMmsDataSource', method: 'PUT', path: '/datasources/{sourceId}', params: ['path:sourceId', 'body:action', 'body:name', 'body:config', 'body:test'] },
  { operation: 'DeleteMmsDataSource', method: 'DELETE', path: '/datasources/{sourceId}', params: ['path:sourceId'] },
  { operation: 'ListMmsDataSourceConfigItems', method: 'GET', path: '/configItems', params: ['query:sourceType', 'query:lang'] },
  { operation: 'CreateMmsFetchMetadataJob', method: 'POST', path: '/datasources/{sourceId}/scans', params: ['path:sourceId', 'body:dbName', 'body:tableNames'] },
  { operation: 'GetMmsFetchMetadataJob', method: 'GET', path: '/datasources/{sourceId}/scans/{scanId}', params: ['path:scanId', 'path:sourceId'] },
  { operation: 'GetMmsAsyncTask', method: 'GET', path: '/datasources/{sourceId}/asyncTasks/{asyncTaskId}', params: ['path:asyncTaskId', 'path:sourceId'] },
  { operation: 'ListMmsDbs', method: 'GET', path: '/datasources/{sourceId}/dbs', params: ['path:sourceId', 'query:name', 'query:status', 'query:sorter', 'query:pageNum', 'query:pageSize'] },
  { operation: 'GetMmsDb', method: 'GET', path: '/datasources/{sourceId}/dbs/{dbId}', params: ['path:dbId', 'path:sourceId'] },
  { operation: 'UpdateMmsDb', method: 'PUT', path: '/datasources/{sourceId}/dbs/{dbId}', params: ['path:sourceId', 'path:dbId', 'body:dstProjectName', 'body:dstName', 'body:status'] },
  { operation: 'ListMmsTables', method: 'GET', path: '/datasources/{sourceId}/tables', params: ['path:sourceId', 'query:dbId', 'query:dbName', 'query:name', 'query:type', 'query:hasPartitions', 'query:status', 'query:dstProjectName', 'query:dstSchemaName', 'query:dstName', 'query:lastDdlTimeStart', 'query:lastDdlTimeEnd', 'query:onlyName', 'query:sorter.lastDdlTime', 'query:sorter.numRows', 'query:sorter.size', 'query:pageNum', 'query:pageSize'] },
  { operation: 'GetMmsTable', method: 'GET', path: '/datasources/{sourceId}/tables/{tableId}', params: ['path:tableId', 'path:sourceId'] },
  { operation: 'UpdateMmsTable', method: 'PUT', path: '/datasources/{sourceId}/tables/{tableId}', params: ['path:sourceId', 'path:tableId', 'body:dstProjectName', 'body:dstSchemaName', 'body:dstName', 'body:status'] },
  { operation: 'UpdateMmsTables', method: 'PUT', path: '/datasources/{sourceId}/tables', params: ['path:sourceId', 'body:dbName', 'body:tableNames', 'body:dstProjectName', 'body:dstSchemaName', 'body:status', 'body:tables'] },
  { operation: 'ListMmsPartitions', method: 'GET', path: '/datasources/{sourceId}/partitions', params: ['path:sourceId', 'query:dbId', 'query:dbName', 'query:tableId', 'query:tableName', 'query:value', 'query:status', 'query:updated', 'query:lastDdlTimeStart', 'query:lastDdlTimeEnd', 'query:sorter.lastDdlTime', 'query:sorter.numRows', 'query:sorter.size', 'query:pageNum', 'query:pageSize'] },
  { operation: 'GetMmsPartition', method: 'GET', path: '/datasources/{sourceId}/partitions/{partitionId}', params: ['path:partitionId', 'path:sourceId'] },
  { operation: 'CreateMmsJob', method: 'POST', path: '/datasources/{sourceId}/jobs', params: ['path:sourceId', 'body:name', 'body:sourceId', 'body:sourceName', 'body:srcDbName', 'body:srcSchemaName', 'body:dstDbName', 'body:dstSchemaName', 'body:tables', 'body:partitions', 'body:tableWhiteList', 'body:tableBlackList', 'body:partitionFilters', 'body:tableMapping', 'body:columnMapping', 'body:enableSchemaMigration', 'body:enableDataMigration', 'body:enableVerification', 'body:others', 'body:increment', 'body:schemaOnly', 'body:eta', 'body:taskType'] },
  { operation: 'ListMmsJobs', method: 'GET', path: '/datasources/{sourceId}/jobs', params: ['path:sourceId', 'query:name', 'query:srcDbName', 'query:srcTableName', 'query:dstDbName', 'query:dstTableName', 'query:status', 'query:stopped', 'query:timerId', 'query:sorter.status', 'query:pageNum', 'query:pageSize'] },
  { operation: 'GetMmsJob', method: 'GET', path: '/datasources/{sourceId}/jobs/{jobId}', params: ['path:jobId', 'path:sourceId'] },
  { operation: 'StartMmsJob', method: 'POST', path: '/datasources/{sourceId}/jobs/{jobId}/start', params: ['path:jobId', 'path:sourceId'] },
  { operation: 'StopMmsJob', method: 'POST', path: '/datasources/{sourceId}/jobs/{jobId}/stop', params: ['path:jobId', 'path:sourceId'] },
  { operation: 'RetryMmsJob', method: 'POST', path: '/datasources/{sourceId}/jobs/{jobId}/retry', params: ['path:jobId', 'path:sourceId'] },
  { operation: 'DeleteMmsJob', method: 'POST', path: '/datasources/{sourceId}/jobs/{jobId}', params: ['path:jobId', 'path:sourceId'] },
  { operation: 'ListMmsTasks', method: 'GET', path: '/datasources/{sourceId}/tasks', params: ['path:sourceId', 'query:jobId', 'query:jobName', 'query:srcDbName', 'query:srcTableName', 'query:dstDbName', 'query:dstTableName', 'query:status', 'query:partition', 'query:sorter.startTime', 'query:sorter.status', 'query:pageNum', 'query:pageSize'] },
  { operation: 'GetMmsTask', method: 'GET', path: '/datasources/{sourceId}/tasks/{taskId}', params: ['path:taskId', 'path:sourceId'] },
  { operation: 'RetryMmsTask', method: 'POST', path: '/datasources/{sourceId}/tasks/{taskId}/retry', params: ['path:taskId', 'path:sourceId'] },
  { operation: 'ListMmsTaskLogs', method: 'GET', path: '/datasources/{sourceId}/tasks/{taskId}/logs', params: ['path:taskId', 'path:sourceId'] },
  { operation: 'CreateMmsTimer', method: 'POST', path: '/datasources/{sourceId}/timers', params: ['path:sourceId', 'body:name', 'body:sourceId', 'body:srcDbName', 'body:scheduleType', 'body:value', 'body:tables', 'body:partitions', 'body:tableWhiteList', 'body:tableBlackList', 'body:partitionFilters', 'body:tableMapping', 'body:columnMapping', 'body:enableSchemaMigration', 'body:enableDataMigration', 'body:enableVerification', 'body:others'] },
  { operation: 'ListMmsTimers', method: 'GET', path: '/datasources/{sourceId}/timers', params: ['path:sourceId', 'query:name', 'query:srcDbName', 'query:srcTableName', 'query:stopped', 'query:pageNum', 'query:pageSize'] },
  { operation: 'GetMmsTimer', method: 'GET', path: '/datasources/{sourceId}/timers/{timerId}', params: ['path:timerId', 'path:sourceId'] },
  { operation: 'UpdateMmsTimer', method: 'PUT', path: '/datasources/{sourceId}/timers/{timerId}', params: ['path:sourceId', 'path:timerId', 'body:scheduleType', 'body:value', 'body:stopped', 'body:tableWhiteList', 'body:tableBlackList'] },
  { operation: 'DeleteMmsTimer', method: 'DELETE', path: '/datasources/{sourceId}/timers/{timerId}', params: ['path:timerId', 'path:sourceId'] },
  { operation: 'TriggerMmsTimer', method: 'POST', path: '/datasources/{sourceId}/timers/{timerId}/trigger', params: ['path:timerId', 'path:sourceId'] },
  { operation: 'ListMmsTimerLogs', method: 'GET', path: '/datasources/{sourceId}/timers/{timerId}/logs', params: ['path:sourceId', 'path:timerId', 'query:pageNum', 'query:pageSize'] },
];
