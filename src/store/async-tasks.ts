import type { Kysely } from 'kysely';
import type { AsyncTaskTable, Database } from './schema.js';

export type AsyncTaskType = 'TASK_CREATE' | 'STOP_JOB' | 'UPDATE_DATASOURCE';
export type AsyncTaskRow = Omit<AsyncTaskTable, 'id'> & { id: number };

/** Records a call's asynchronous task, finished as it is recorded; returns its id. */
export async function recordAsyncTask(
  db: Kysely<Database>,
  task: { sourceId: number; type: AsyncTaskType; objectId: number | null; status?: 'DONE' | 'FAILED'; result?: string | null; errorMsg?: string | null },
): Promise<number> {
  const now = Date.now();
  const row = await db
    .insertInto('async_tasks')
    .values({ source_id: task.sourceId, type: task.type, object_id: task.objectId, status: task.status ?? 'DONE', result: task.result ?? null, error_msg: task.errorMsg ?? null, create_time: now, end_time: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export function getAsyncTask(db: Kysely<Database>, sourceId: number, id: number): Promise<AsyncTaskRow | undefined> {
  return db.selectFrom('async_tasks').selectAll().where('source_id', '=', sourceId).where('id', '=', id).executeTakeFirst();
}
