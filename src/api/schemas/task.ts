import { Type } from '@sinclair/typebox';
import { Id, Nullable, PageQuery, StringEnum } from './common.js';

const TaskStatus = StringEnum(['INIT', 'DOING', 'DONE', 'FAILED']);

const Order = StringEnum(['asc', 'desc']);

export const ListTasksQuery = Type.Object(
  {
    jobId: Type.Optional(Id),
    jobName: Type.Optional(Type.String()),
    status: Type.Optional(TaskStatus),
    srcDbName: Type.Optional(Type.String()),
    srcTableName: Type.Optional(Type.String()),
    dstDbName: Type.Optional(Type.String()),
    dstTableName: Type.Optional(Type.String()),
    partition: Type.Optional(Type.String({ description: 'Tasks that copied this partition value (p1=v1/p2=v2).' })),
    'sorter.startTime': Type.Optional(Order),
    'sorter.status': Type.Optional(Order),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export const TaskParams = Type.Object({ sourceId: Id, taskId: Id }, { additionalProperties: false });
export const LogsQuery = Type.Object({ ...PageQuery }, { additionalProperties: false, description: 'OpenMMS addition: paging (MMS sends none and gets every line).' });

export const TaskOut = Type.Object({
  id: Type.Integer(),
  jobId: Type.Integer(),
  jobName: Type.String(),
  sourceName: Type.String(),
  dbId: Type.Integer(),
  tableId: Type.Integer(),
  srcSchemaName: Nullable(Type.String()),
  dstSchemaName: Nullable(Type.String()),
  type: Type.String({ description: "The job's taskType, or COPY_TASK." }),
  running: Type.Boolean(),
  retriedTimes: Type.Integer({ description: 'Attempts after the first.' }),
  run: Type.Integer({ description: 'The run of the job that planned the task (a job runs again when started after DONE).' }),
  sourceId: Type.Integer(),
  srcDbName: Type.String(),
  srcTableName: Type.String(),
  dstDbName: Type.String(),
  dstTableName: Type.String(),
  status: TaskStatus,
  stopped: Type.Boolean(),
  attempts: Type.Integer(),
  partitionNum: Type.Integer(),
  partitionDone: Type.Integer(),
  progress: Type.Integer({ description: 'Percent of partitions done.' }),
  rows: Type.Integer(),
  bytes: Type.Integer(),
  size: Type.Integer({ description: 'Source bytes planned.' }),
  errMsg: Nullable(Type.String()),
  createTime: Type.String(),
  startTime: Nullable(Type.String()),
  endTime: Nullable(Type.String()),
  partitions: Type.Optional(
    Type.Array(
      Type.Object({
        partitionId: Nullable(Type.Integer()),
        value: Nullable(Type.String()),
        status: TaskStatus,
        rows: Type.Integer(),
        verification: Nullable(
          Type.Object({
            sourceRows: Type.Integer(),
            destinationRows: Type.Integer(),
            ok: Type.Boolean(),
            sourceChecksum: Type.Optional(Type.String({ description: "OpenMMS's checksum of what it read (others: verify.checksum)." })),
            destinationChecksum: Type.Optional(Type.String()),
            scheme: Type.Optional(Type.String({ description: 'How the engines fingerprinted the contents (docs/API.md, "Verification").' })),
            sourceFingerprint: Type.Optional(Type.String({ description: 'Content fingerprint the source engine computed (rows:sum of row hashes).' })),
            destinationFingerprint: Type.Optional(Type.String()),
            presenceOnly: Type.Optional(Type.Array(Type.String(), { description: 'Columns the two engines print by different rules, compared by NULL or not only.' })),
          }),
        ),
      }),
    ),
  ),
});

export const TaskLogOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  taskId: Type.Integer(),
  status: Type.String({ description: 'FAILED for the error that ended the task, DOING for what was logged while it ran.' }),
  action: Type.String({ description: 'What the task did.' }),
  msg: Type.String({ description: 'Its result: the structured data as JSON text, or the level.' }),
  createTime: Type.String(),
  time: Type.String({ description: 'OpenMMS addition (as createTime).' }),
  level: StringEnum(['INFO', 'WARN', 'ERROR']),
  message: Type.String(),
  data: Nullable(Type.Unknown()),
});
