import { Type } from '@sinclair/typebox';
import { MMS_TASK_STATUSES } from '../../jobs/task-status.js';
import { Id, Nullable, PageQuery, StringEnum } from './common.js';
import { JOB_STATUSES } from '../../store/schema.js';

/** A task's status, its phase included (reference §1.5). */
const TaskStatus = StringEnum([...MMS_TASK_STATUSES], { description: "The task's phase and how it stands in it: SCHEMA_DOING, DATA_DOING, VERIFICATION_FAILED, … (a phase's _DONE shows in its log)." });
/** A slice of a task: OpenMMS's own statuses. */
const SliceStatus = StringEnum(JOB_STATUSES);

const Order = StringEnum(['asc', 'desc']);

export const ListTasksQuery = Type.Object(
  {
    jobId: Type.Optional(Id),
    run: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: "OpenMMS addition: the tasks of this run of their job (none: each job's current run, the one its taskNum counts)." })),
    jobName: Type.Optional(Type.String()),
    status: Type.Optional(StringEnum([...MMS_TASK_STATUSES, 'DOING', 'FAILED'], { description: 'A status of §1.5; DOING and FAILED (OpenMMS additions) select every phase.' })),
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
  retriedTimes: Type.Integer({ description: 'Times the task was run again after failing: by the engine after a transient failure, or by RetryMmsTask or RetryMmsJob.' }),
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
        status: SliceStatus,
        mode: StringEnum(['copy', 'compare', 'remove'], { description: 'copy; compare (an increment: DONE and unchanged at the last scan, copied only if the two ends differ); remove (gone from the source).' }),
        rows: Type.Integer({ description: 'Rows copied.' }),
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
  status: Type.String({ description: "The task's status when the line was written (as GetMmsTask's); a phase's _DONE on the line that ends it." }),
  action: Type.String({ description: 'What the task did (for a failure: what it was doing).' }),
  msg: Type.String({ description: 'Its result: the structured data as JSON text, the error of a failure, ok, or WARN.' }),
  createTime: Type.String(),
  time: Type.String({ description: 'OpenMMS addition (as createTime).' }),
  level: StringEnum(['INFO', 'WARN', 'ERROR']),
  message: Type.String(),
  data: Nullable(Type.Unknown()),
});
