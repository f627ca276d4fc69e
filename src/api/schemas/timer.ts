import { Type } from '@sinclair/typebox';
import { Id, Name, Nullable, ObjectName, PageQuery, StringEnum } from './common.js';
import { scopeFields } from './job.js';

const ScheduleType = StringEnum(['Daily', 'Hourly', 'Cron'], { description: 'Daily: value HH:MM; Hourly: value MM; Cron (OpenMMS addition): a cron expression (5 fields, or 6 with seconds).' });
const schedule = {
  name: Type.Optional(Name),
  value: Type.String({ minLength: 1, maxLength: 128 }),
  scheduleType: ScheduleType,
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone; default UTC (OpenMMS addition).' })),
  stopped: Type.Optional(Type.Boolean()),
};
const template = {
  ...scopeFields,
  dstDbName: Type.Optional(Type.Intersect([ObjectName], { description: "OpenMMS addition: the jobs' destination database (else the catalog's mapping)." })),
};

export const CreateTimerBody = Type.Object(
  {
    ...schedule,
    sourceId: Type.Optional(Id),
    srcDbName: Type.Optional(Type.Intersect([ObjectName], { description: 'The job template\'s source database. Without one, the timer re-runs the jobs created with its timerId (OpenMMS addition).' })),
    ...template,
  },
  { additionalProperties: false },
);
export const UpdateTimerBody = Type.Object(
  {
    ...Type.Partial(Type.Object(schedule)).properties,
    tableWhiteList: scopeFields.tableWhiteList,
    tableBlackList: scopeFields.tableBlackList,
    enableVerification: Type.Optional(Type.Boolean({ description: "OpenMMS addition: whether the template's jobs verify what they copy." })),
  },
  { additionalProperties: false },
);
export const TimerParams = Type.Object({ sourceId: Id, timerId: Id }, { additionalProperties: false });
export const ListTimersQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 128 })),
    srcDbName: Type.Optional(Type.String({ maxLength: 512 })),
    srcTableName: Type.Optional(Type.String({ maxLength: 512, description: "Timers whose template names this table (tables or tableWhiteList)." })),
    stopped: Type.Optional(Type.Boolean()),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const TimerLogsQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const TimerOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  name: Type.String(),
  dbId: Nullable(Type.Integer()),
  srcDbName: Nullable(Type.String()),
  type: Nullable(Type.String({ description: 'The scope of the jobs it creates: Database, Tables or Partitions.' })),
  scheduleType: ScheduleType,
  value: Type.String(),
  timezone: Type.String(),
  stopped: Type.Boolean(),
  lastTick: Nullable(Type.String({ description: 'The latest tick that fired (UTC); null before the first.' })),
  nextTick: Nullable(Type.String({ description: 'The next tick (UTC); null while the timer is stopped (OpenMMS addition).' })),
  createTime: Type.String({ description: 'GetMmsTimer: epoch milliseconds (as MMS gives it); ListMmsTimers: yyyy-MM-dd HH:mm:ss.' }),
  updateTime: Type.String({ description: 'GetMmsTimer: ISO 8601 (as MMS gives it); ListMmsTimers: yyyy-MM-dd HH:mm:ss.' }),
  config: Nullable(Type.Object({}, { additionalProperties: true, description: 'The job template (TimerConfig), every key present.' })),
});

export const TimerLogOut = Type.Object({
  id: Type.Integer({ description: 'The TASK_CREATE async task of the job the firing created (else the log line).' }),
  sourceId: Type.Integer(),
  timerId: Type.Integer(),
  jobId: Nullable(Type.Integer()),
  status: Type.String({ description: "The created job's status now; FAILED when no job could be created." }),
  action: Type.String(),
  msg: Type.String(),
  createTime: Type.String(),
});
