import { sql, type Kysely } from 'kysely';
import type { Database, TaskPhase, TaskRow, TaskStatus } from './schema.js';

export interface TaskFilter {
  jobId?: number;
  /** A run of the job (each its own tasks); none: each job's current run, the one its taskNum counts. */
  run?: number;
  jobName?: string;
  status?: TaskStatus;
  phase?: TaskPhase;
  srcDbName?: string;
  srcTableName?: string;
  dstDbName?: string;
  dstTableName?: string;
  /** Tasks that copied this partition value. */
  partition?: string;
}

/** ListMmsTasks' `sorter.startTime` / `sorter.status`. */
export interface TaskOrder {
  startTime?: 'asc' | 'desc';
  status?: 'asc' | 'desc';
}

export type TaskListRow = TaskRow & { job_name: string; stopped: number; db_id: number; src_schema_name: string | null; dst_schema_name: string | null; job_config: string; source_name: string };

function tasksQuery(db: Kysely<Database>, sourceId: number) {
  return db
    .selectFrom('tasks as t')
    .innerJoin('jobs as j', 'j.id', 't.job_id')
    .innerJoin('datasources as d', 'd.id', 't.source_id')
    .selectAll('t')
    .select('d.name as source_name')
    .select(['j.name as job_name', 'j.stopped', 'j.db_id', 'j.src_schema_name', 'j.dst_schema_name', 'j.config as job_config'])
    .where('t.source_id', '=', sourceId);
}

export async function listTasks(db: Kysely<Database>, sourceId: number, f: TaskFilter, page: { offset: number; limit: number }, order: TaskOrder = {}) {
  let q = tasksQuery(db, sourceId);
  if (f.jobId !== undefined) q = q.where('t.job_id', '=', f.jobId);
  q = f.run === undefined ? q.whereRef('t.run', '=', 'j.run') : q.where('t.run', '=', f.run);
  if (f.jobName !== undefined) q = q.where('j.name', '=', f.jobName);
  if (f.status !== undefined) q = q.where('t.status', '=', f.status);
  if (f.phase !== undefined) q = q.where('t.phase', '=', f.phase);
  if (f.srcDbName !== undefined) q = q.where('t.src_db_name', '=', f.srcDbName);
  if (f.srcTableName !== undefined) q = q.where('t.src_table_name', '=', f.srcTableName);
  if (f.dstDbName !== undefined) q = q.where('t.dst_db_name', '=', f.dstDbName);
  if (f.dstTableName !== undefined) q = q.where('t.dst_table_name', '=', f.dstTableName);
  if (f.partition !== undefined) {
    const value = f.partition;
    q = q.where((eb) => eb.exists(eb.selectFrom('task_partitions as p').select('p.task_id').whereRef('p.task_id', '=', 't.id').where('p.value', '=', value)));
  }
  const { total } = await q.clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  // By the status as MMS shows it (jobs/task-status.ts): a running or failed task's is its phase's.
  if (order.status) q = q.orderBy(sql`CASE WHEN t.status IN ('DOING', 'FAILED') THEN COALESCE(t.phase, 'DATA') || '_' || t.status ELSE t.status END`, order.status);
  if (order.startTime) q = q.orderBy('t.start_time', order.startTime);
  const rows = await q.orderBy('t.id', 'asc').offset(page.offset).limit(page.limit).execute();
  return { total: Number(total), rows: rows as TaskListRow[] };
}

export function getTask(db: Kysely<Database>, sourceId: number, taskId: number) {
  return tasksQuery(db, sourceId).where('t.id', '=', taskId).executeTakeFirst() as Promise<TaskListRow | undefined>;
}

export function taskPartitions(db: Kysely<Database>, taskId: number) {
  return db.selectFrom('task_partitions').selectAll().where('task_id', '=', taskId).orderBy('seq').execute();
}

/** A line of a task's log: its level and text, structured data, and the task's status as MMS shows it then. */
export interface TaskLine {
  level: 'INFO' | 'WARN' | 'ERROR';
  message: string;
  data?: unknown;
  status: string | null;
}

/** Appends a line to a task's log (in the caller's transaction, if it passes one). */
export async function addTaskLog(db: Kysely<Database>, taskId: number, line: TaskLine, time = Date.now()): Promise<void> {
  await db.insertInto('task_logs').values({ task_id: taskId, time, level: line.level, message: line.message, data: line.data === undefined ? null : JSON.stringify(line.data), status: line.status }).execute();
}

export async function taskLogs(db: Kysely<Database>, taskId: number, page: { offset: number; limit: number }) {
  const q = db.selectFrom('task_logs').where('task_id', '=', taskId);
  const { total } = await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('id', 'asc').offset(page.offset).limit(page.limit).execute();
  return { total: Number(total), rows };
}
