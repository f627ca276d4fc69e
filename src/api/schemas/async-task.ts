import { Type } from '@sinclair/typebox';
import { Id, Nullable } from './common.js';

export const AsyncTaskParams = Type.Object({ sourceId: Id, asyncTaskId: Id }, { additionalProperties: false });

export const AsyncTaskOut = Type.Object({
  id: Type.Integer(),
  sourceId: Type.Integer(),
  type: Type.String({ description: 'TASK_CREATE (CreateMmsJob), STOP_JOB (StopMmsJob), UPDATE_DATASOURCE (UpdateMmsDataSource).' }),
  objectId: Nullable(Type.Integer({ description: 'For TASK_CREATE the new job; for STOP_JOB the job; for UPDATE_DATASOURCE the data source.' })),
  status: Type.String({ description: 'DONE or FAILED: OpenMMS finishes the work within the call that records it.' }),
  running: Type.Boolean(),
  progress: Type.Integer(),
  result: Nullable(Type.String({ description: 'Text, as in MMS.' })),
  errorMsg: Nullable(Type.String()),
  createTime: Type.String(),
  startTime: Type.String(),
  endTime: Nullable(Type.String()),
});
