import { Type } from '@sinclair/typebox';
import { Id, Name, Nullable, ObjectName, PageQuery, StringEnum } from './common.js';
import { JobConfigSchema } from '../../jobs/config.js';
import { JOB_STATUSES } from '../../store/schema.js';

const JobStatus = StringEnum(JOB_STATUSES);
const JobType = StringEnum(['Database', 'Tables', 'Partitions']);
const Names = Type.Array(ObjectName, { maxItems: 100_000 });
const NameMap = Type.Record(Type.String({ minLength: 1, maxLength: 512 }), Type.String({ maxLength: 512 }));
const FilterMap = Type.Record(Type.String({ minLength: 1, maxLength: 512 }), Type.String({ maxLength: 65_536 }));
const Others = Type.Record(Type.String(), Type.Unknown(), { description: 'The keys OpenMMS acts on (docs/API.md "Job options"); any other key is refused.' });

/** The migration-scope fields CreateMmsJob and CreateMmsTimer share (reference §2.9). */
export const scopeFields = {
  tables: Type.Optional(Names),
  partitions: Type.Optional(Type.Array(Id, { maxItems: 1_000_000 })),
  tableBlackList: Type.Optional(Names),
  tableWhiteList: Type.Optional(Names),
  partitionFilters: Type.Optional(FilterMap),
  tableMapping: Type.Optional(NameMap),
  columnMapping: Type.Optional(NameMap),
  enableSchemaMigration: Type.Optional(Type.Boolean({ description: 'false: destination tables are neither created nor altered; each must be there with every column copied (else its task is SCHEMA_FAILED, naming what is missing).' })),
  enableDataMigration: Type.Optional(Type.Boolean({ description: 'false: create the tables only (schemaOnly).' })),
  enableVerification: Type.Optional(Type.Boolean()),
  others: Type.Optional(Others),
};
/** `2025-05-06` or `2025-05-06 12:00:00` (a real date: see isRealTime): sorts as text, so earlier eta = higher priority. */
const Eta = Type.String({ format: 'mms-time', description: 'yyyy-MM-dd, yyyy-MM-dd HH:mm or yyyy-MM-dd HH:mm:ss' });

export const CreateJobBody = Type.Object(
  {
    sourceId: Type.Optional(Id),
    name: Type.Optional({ ...Name, description: "Default: the source database's name and the time of the call." }),
    sourceName: Type.Optional(Type.String()),
    srcDbName: Type.Optional({ ...ObjectName, description: "Default: the catalog's only database (a 400 when it has several)." }),
    srcSchemaName: Type.Optional(ObjectName),
    dstDbName: Type.Optional(ObjectName),
    dstSchemaName: Type.Optional(ObjectName),
    type: Type.Optional(JobType),
    taskType: Type.Optional(Type.String({ maxLength: 64, description: 'MC2MC_VERIFY: verify only, copy nothing. MMS\'s transfer methods (HIVE, BIGQUERY, …) are refused: OpenMMS copies with its own engine.' })),
    ...scopeFields,
    schemaOnly: Type.Optional(Type.Boolean()),
    increment: Type.Optional(Type.Boolean()),
    tunnelQuota: Type.Optional(Type.String({ maxLength: 64, description: 'A MaxCompute Tunnel quota: OpenMMS has none, and refuses any but an empty one.' })),
    eta: Type.Optional(Eta),
    timerId: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const JobPreviewOut = Type.Object({
  type: JobType,
  tableNum: Type.Integer({ description: 'Tables the job covers.' }),
  partitionMatched: Type.Integer({ description: 'Partitions its scope and partition filters select.' }),
  partitionToCopy: Type.Integer({ description: 'Of those, the partitions a run would copy (increment skips DONE, unchanged ones).' }),
  taskNum: Type.Integer(),
  size: Type.Integer({ description: 'Source bytes a run would copy.' }),
  tables: Type.Array(
    Type.Object({
      srcTableName: Type.String(),
      dstTableName: Type.String(),
      partitioned: Type.Boolean(),
      partitionNum: Type.Integer(),
      partitionMatched: Type.Integer(),
      partitionToCopy: Type.Integer(),
      toCopy: Type.Boolean(),
    }),
  ),
});

export const ListJobsQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 128, description: 'Job name contains this text (case-insensitive).' })),
    srcDbName: Type.Optional(ObjectName),
    srcTableName: Type.Optional(Type.String({ maxLength: 512, description: 'The job migrates this source table.' })),
    dstDbName: Type.Optional(ObjectName),
    dstTableName: Type.Optional(Type.String({ maxLength: 512, description: 'The job writes this destination table.' })),
    status: Type.Optional(Type.Array(JobStatus, { description: 'Any of these statuses: one status, a JSON array (as the catalog lists take it), a comma list, or the parameter repeated (OpenMMS additions).' })),
    stopped: Type.Optional(StringEnum(['0', '1', 'true', 'false'])),
    timerId: Type.Optional(Id),
    ...PageQuery,
    'sorter.status': Type.Optional(StringEnum(['asc', 'desc'])),
  },
  { additionalProperties: false },
);

/** A job exactly as ListMmsJobs documents it, field for field. */
export const JobOut = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  sourceId: Type.Integer(),
  dbId: Type.Integer(),
  sourceName: Type.String(),
  srcDbName: Type.String(),
  srcSchemaName: Nullable(Type.String()),
  dstDbName: Type.String(),
  dstSchemaName: Nullable(Type.String()),
  status: JobStatus,
  type: JobType,
  taskNum: Type.Integer(),
  stopped: Type.Boolean(),
  createTime: Type.String({ description: 'yyyy-MM-dd HH:mm:ss, UTC.' }),
  taskDone: Type.Integer(),
  config: JobConfigSchema,
  eta: Nullable(Type.String()),
});

export const JobCreatedOut = Type.Object({
  asyncTaskId: Type.Integer({ description: 'The TASK_CREATE async task (GetMmsAsyncTask): its objectId is the job.' }),
  jobId: Type.Integer({ description: 'OpenMMS addition: the job itself (created within the call).' }),
});

const Rates = { rowsPerSecond: Type.Number(), bytesPerSecond: Type.Number() };

/** OpenMMS addition: how fast the job's latest run moves, over time and per table. */
export const JobThroughputOut = Type.Object({
  running: Type.Boolean({ description: 'The run is still going: its last point is still filling.' }),
  bucketSeconds: Type.Number({ description: 'Width of each point.' }),
  points: Type.Array(Type.Object({ time: Type.String({ description: 'Start of the point, yyyy-MM-dd HH:mm:ss, UTC.' }), ...Rates })),
  tasks: Type.Array(Type.Object({ taskId: Type.Integer(), ...Rates }), { description: "Each task's speed over the last few seconds (tasks that moved nothing are left out)." }),
});

/** OpenMMS addition: which of StartMmsJob, StopMmsJob, RetryMmsJob and DeleteMmsJob the job takes now. */
export const JobActionsOut = Type.Array(
  Type.Object({ action: Type.Union([Type.Literal('start'), Type.Literal('stop'), Type.Literal('retry'), Type.Literal('delete')]), allowed: Type.Boolean(), reason: Nullable(Type.String({ description: 'Why not: the 409 the call would answer.' })) }),
);
