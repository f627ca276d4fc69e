import { Type } from '@sinclair/typebox';
import { Id, Name, Nullable, PageQuery, StringEnum } from './common.js';

const ScheduleType = StringEnum(['Daily', 'Hourly', 'Cron'], { description: 'Daily: value HH:MM; Hourly: value MM; Cron: value is a cron expression (5 fields, or 6 with seconds).' });
const fields = {
  name: Type.Optional(Name),
  value: Type.String({ minLength: 1, maxLength: 128 }),
  scheduleType: ScheduleType,
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone; default UTC.' })),
  stopped: Type.Optional(Type.Boolean()),
};

export const CreateTimerBody = Type.Object(fields, { additionalProperties: false });
export const UpdateTimerBody = Type.Partial(Type.Object(fields), { additionalProperties: false });
export const TimerParams = Type.Object({ sourceId: Id, timerId: Id }, { additionalProperties: false });
export const ListTimersQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const TimerOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  name: Type.String(),
  scheduleType: ScheduleType,
  value: Type.String(),
  timezone: Type.String(),
  stopped: Type.Boolean(),
  lastTick: Nullable(Type.String({ description: 'The latest tick handled (UTC).' })),
  createTime: Type.String(),
});
