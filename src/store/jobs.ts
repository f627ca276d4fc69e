import type { Insertable, Kysely } from 'kysely';
import type { Database, JobRow, JobStatus, JobTable } from './schema.js';
import { containsText } from './sql.js';
import { conflict } from '../errors.js';

export interface JobFilter {
  name?: string;
  srcDbName?: string;
  srcTableName?: string;
  dstDbName?: string;
  dstTableName?: string;
  status?: JobStatus;
  stopped?: boolean;
  timerId?: number;
}

export type JobListRow = JobRow & { source_name: string };

export async function insertJob(
  db: Kysely<Database>,
  job: Insertable<JobTable>,
  tables: { src: string; dst: string; dstDb?: string }[],
  /** More to write in the same transaction (the job's claims on its destination tables). */
  alongside: (tx: Kysely<Database>) => Promise<void> = async () => {},
): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const { id } = await tx.insertInto('jobs').values(job).returning('id').executeTakeFirstOrThrow();
    // Chunked: one job may cover thousands of tables, more than one statement's bind limit.
    for (let i = 0; i < tables.length; i += 500) {
      const chunk = tables.slice(i, i + 500).map((t) => ({ job_id: id, src_table_name: t.src, dst_table_name: t.dst, dst_db_name: t.dstDb === job.dst_db_name ? null : (t.dstDb ?? null) }));
      await tx.insertInto('job_tables').values(chunk).execute();
    }
    await alongside(tx);
    return id;
  });
}

export function findJob(db: Kysely<Database>, sourceId: number, id: number): Promise<JobListRow | undefined> {
  return withSourceName(db).where('j.source_id', '=', sourceId).where('j.id', '=', id).executeTakeFirst();
}

type JobStateColumns = { status: JobStatus; stopped: boolean };

/**
 * Compare-and-set: false when the job is no longer in the `from` state (a worker moved it meanwhile).
 * `newRun` starts the job's next run in the same statement (a DONE job started again).
 */
export async function setJobState(db: Kysely<Database>, id: number, from: JobStateColumns, to: JobStateColumns, now: number, newRun = false) {
  const r = await db
    .updateTable('jobs')
    .set((eb) => ({ status: to.status, stopped: to.stopped ? 1 : 0, update_time: now, ...(newRun && { run: eb('run', '+', 1), task_num: 0, task_done: 0 }) }))
    .where('id', '=', id)
    .where('status', '=', from.status)
    .where('stopped', '=', from.stopped ? 1 : 0)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function deleteJob(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('jobs').where('id', '=', id).execute();
}

function withSourceName(db: Kysely<Database>) {
  return db.selectFrom('jobs as j').innerJoin('datasources as s', 's.id', 'j.source_id').selectAll('j').select('s.name as source_name');
}

/** ListMmsJobs: every filter of the MMS call, newest first unless sorted by status. */
export async function listJobs(
  db: Kysely<Database>,
  sourceId: number,
  f: JobFilter,
  page: { offset: number; limit: number },
  statusOrder?: 'asc' | 'desc',
): Promise<{ total: number; rows: JobListRow[] }> {
  let q = withSourceName(db).where('j.source_id', '=', sourceId);
  if (f.name !== undefined) q = q.where(containsText('j.name', f.name));
  if (f.srcDbName !== undefined) q = q.where('j.src_db_name', '=', f.srcDbName);
  if (f.dstDbName !== undefined) q = q.where('j.dst_db_name', '=', f.dstDbName);
  if (f.status !== undefined) q = q.where('j.status', '=', f.status);
  if (f.stopped !== undefined) q = q.where('j.stopped', '=', f.stopped ? 1 : 0);
  if (f.timerId !== undefined) q = q.where('j.timer_id', '=', f.timerId);
  for (const [column, value] of [['src_table_name', f.srcTableName], ['dst_table_name', f.dstTableName]] as const) {
    if (value === undefined) continue;
    q = q.where(({ exists, selectFrom }) =>
      exists(selectFrom('job_tables as t').select('t.job_id').whereRef('t.job_id', '=', 'j.id').where(`t.${column}`, '=', value)),
    );
  }
  const { total } = await q
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  if (statusOrder) q = q.orderBy('j.status', statusOrder);
  const rows = await q.orderBy('j.id', 'desc').offset(page.offset).limit(page.limit).execute();
  return { total: Number(total), rows };
}

/**
 * Refuses (409) when a running job (DOING, not stopped) of the source database migrates any of
 * `tables`: a new job on them, or a catalog change under them, would race it.
 */
export async function assertNotMigrating(db: Kysely<Database>, dbId: number, tables: string[], exceptJob: number | null = null): Promise<void> {
  for (let i = 0; i < tables.length; i += 500) {
    const clash = await db
      .selectFrom('jobs as j')
      .innerJoin('job_tables as t', 't.job_id', 'j.id')
      .select(['j.id', 't.src_table_name'])
      .where('j.db_id', '=', dbId)
      .where('j.status', '=', 'DOING')
      .where('j.stopped', '=', 0)
      .where('j.id', '!=', exceptJob ?? 0)
      .where('t.src_table_name', 'in', tables.slice(i, i + 500))
      .limit(5)
      .execute();
    if (clash.length) {
      throw conflict(`job ${clash[0]!.id} is migrating ${clash.map((c) => `'${c.src_table_name}'`).join(', ')} right now; stop it or wait for it to finish`);
    }
  }
}
