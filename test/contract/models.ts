/**
 * The MMS response models, field by field, as ../shared/reference/mms-api.md §2 and §3 give them
 * (written once from the reference; the SDK casts every field to these types).
 */
export type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'any';
export type Model = Record<string, FieldType>;

const time = 'string' as const;

export const MODELS = {
  DataSource: {
    id: 'number', name: 'string', type: 'string', region: 'string', networklink: 'string', status: 'string', errMsg: 'string', agentIsOnline: 'boolean',
    dstProject: 'string', dstProjects: 'array', dbNum: 'number', tableNum: 'number', partitionNum: 'number',
    tablesDoingNum: 'number', tablesDoneNum: 'number', tablesFailedNum: 'number', tablesPartDoneNum: 'number',
    partitionsDoingNum: 'number', partitionsDoneNum: 'number', partitionsFailedNum: 'number',
    lastUpdateTime: time, createTime: time, scanId: 'number',
  },
  ConfigItem: { key: 'string', name: 'string', desc: 'string', group: 'string', type: 'string', subType: 'string', value: 'any', enums: 'array', required: 'boolean', placeHolder: 'string', subItems: 'object' },
  Db: {
    id: 'number', sourceId: 'number', sourceName: 'string', name: 'string', description: 'string', owner: 'string', location: 'string', extra: 'string',
    dstProjectName: 'string', dstName: 'string', status: 'string', updated: 'boolean', numRows: 'number', size: 'number', lastDdlTime: time,
    tables: 'number', tablesDoing: 'number', tablesDone: 'number', tablesFailed: 'number', tablesPartDone: 'number',
    partitions: 'number', partitionsDoing: 'number', partitionsDone: 'number', partitionsFailed: 'number',
  },
  Table: {
    id: 'number', dbId: 'number', dbName: 'string', sourceId: 'number', sourceName: 'string', name: 'string', type: 'string', hasPartitions: 'boolean',
    owner: 'string', location: 'string', inputFormat: 'string', outputFormat: 'string', serde: 'string', extra: 'string', schema: 'object',
    numRows: 'number', size: 'number', lastDdlTime: time, status: 'string', updated: 'boolean', dstProjectName: 'string', dstSchemaName: 'string', dstName: 'string',
    partitions: 'number', partitionsDoing: 'number', partitionsDone: 'number', partitionsFailed: 'number',
  },
  Partition: {
    id: 'number', sourceId: 'number', sourceName: 'string', dbId: 'number', dbName: 'string', tableId: 'number', tableName: 'string', value: 'string',
    numRows: 'number', size: 'number', lastDdlTime: time, status: 'string', updated: 'boolean',
    dstProjectName: 'string', dstSchemaName: 'string', dstTableName: 'string', dstValue: 'string',
  },
  Job: {
    id: 'number', name: 'string', sourceId: 'number', sourceName: 'string', dbId: 'number', srcDbName: 'string', srcSchemaName: 'string', dstDbName: 'string',
    dstSchemaName: 'string', type: 'string', status: 'string', stopped: 'boolean', taskNum: 'number', taskDone: 'number', eta: 'string', createTime: time, config: 'object',
  },
  Task: {
    id: 'number', jobId: 'number', jobName: 'string', sourceId: 'number', sourceName: 'string', dbId: 'number', tableId: 'number',
    srcDbName: 'string', srcSchemaName: 'string', srcTableName: 'string', dstDbName: 'string', dstSchemaName: 'string', dstTableName: 'string',
    type: 'string', status: 'string', running: 'boolean', stopped: 'boolean', retriedTimes: 'number', createTime: time, startTime: time, endTime: time,
  },
  TaskLog: { id: 'number', sourceId: 'number', taskId: 'number', status: 'string', action: 'string', msg: 'string', createTime: time },
  Timer: { id: 'number', name: 'string', sourceId: 'number', dbId: 'number', srcDbName: 'string', type: 'string', scheduleType: 'string', value: 'string', stopped: 'boolean', createTime: time, updateTime: time, config: 'object' },
  TimerLog: { id: 'number', sourceId: 'number', status: 'string', action: 'string', msg: 'string', createTime: time },
  Scan: { id: 'number', sourceId: 'number', status: 'string', progress: 'number', result: 'string', errorMsg: 'string', startTime: time, endTime: time },
  AsyncTask: {
    id: 'number', sourceId: 'number', type: 'string', objectId: 'number', status: 'string', running: 'boolean', progress: 'number', result: 'string', errorMsg: 'string',
    createTime: time, startTime: time, endTime: time,
  },
  Page: { total: 'number', pageNum: 'number', pageSize: 'number', objectList: 'array' },
} satisfies Record<string, Model>;

/** What the SDK's strict cast (reference §1.4) would refuse in `value` for a field of type `t`; null when it takes it. */
function castProblem(value: unknown, t: FieldType): string | null {
  if (value === null || value === undefined || t === 'any') return null; // skipped by the SDK
  switch (t) {
    case 'string': return ['string', 'number', 'boolean'].includes(typeof value) ? null : `a ${typeof value}`;
    case 'number': return typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) ? null : `${JSON.stringify(value)}`;
    case 'boolean': return [true, false, 1, 0, 'true', 'false'].includes(value as never) ? null : `${JSON.stringify(value)}`;
    case 'object': return typeof value === 'object' ? null : `a ${typeof value}`;
    case 'array': return Array.isArray(value) ? null : `a ${typeof value}`;
  }
}

/** Every field of the model present (null allowed: the SDK skips it) and castable to its type. */
export function modelProblems(value: unknown, model: Model, where = 'data'): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where} is not an object`];
  const problems: string[] = [];
  for (const [field, t] of Object.entries(model)) {
    if (!(field in value)) problems.push(`${where}.${field} is missing`);
    else {
      const p = castProblem((value as Record<string, unknown>)[field], t);
      if (p) problems.push(`${where}.${field} is ${p}, not a ${t}`);
    }
  }
  return problems;
}
