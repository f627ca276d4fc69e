import type { Kysely } from 'kysely';
import type { Database, TaskRow, TaskStatus } from './schema.js';

export interface TaskFilter {
  jobId?: number;
  status?: TaskStatus;
  srcTableName?: string;
  dstTableName?: string;
}

export type TaskListRow = TaskRow & { job_name: string; stopped: number };

function tasksQuery(db: Kysely<Database>, sourceId: number) {
  return db.selectFrom('tasks as t').innerJoin('jobs as j', 'j.id', 't.job_id').selectAll('t').select(['j.name as job_name', 'j.stopped']).where('t.source_id', '=', sourceId);
}

export async function listTasks(db: Kysely<Database>, sourceId: number, f: TaskFilter, page: { offset: number; limit: number }) {
  let q = tasksQuery(db, sourceId);
  if (f.jobId !== undefined) q = q.where('t.job_id', '=', f.jobId);
  if (f.status !== undefined) q = q.where('t.status', '=', f.status);
  if (f.srcTableName !== undefined) q = q.where('t.src_table_name', '=', f.srcTableName);
  if (f.dstTableName !== undefined) q = q.where('t.dst_table_name', '=', f.dstTableName);
  const { total } = await q.clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const rows = await q.orderBy('t.id', 'asc').offset(page.offset).limit(page.limit).execute();
  return { total: Number(total), rows: rows as TaskListRow[] };
}

export function getTask(db: Kysely<Database>, sourceId: number, taskId: number) {
  return tasksQuery(db, sourceId).where('t.id', '=', taskId).executeTakeFirst() as Promise<TaskListRow | undefined>;
}

export function taskPartitions(db: Kysely<Database>, taskId: number) {
  return db.selectFrom('task_partitions').selectAll().where('task_id', '=', taskId).orderBy('seq').execute();
}

export async function taskLogs(db: Kysely<Database>, taskId: number, page: { offset: number; limit: number }) {
  const q = db.selectFrom('task_logs').where('task_id', '=', taskId);
  const { total } = await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('id', 'asc').offset(page.offset).limit(page.limit).execute();
  return { total: Number(total), rows };
}
