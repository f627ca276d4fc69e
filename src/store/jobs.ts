import type { Kysely } from 'kysely';
import type { Database, JobRow, JobStatus } from './schema.js';
import { containsText } from './sql.js';
import { conflict } from '../errors.js';
import { cachedList, pageOfIds, type StoreView } from './store-cache.js';

export interface JobFilter {
  name?: string;
  srcDbName?: string;
  srcTableName?: string;
  dstDbName?: string;
  dstTableName?: string;
  /** Any of these. */
  status?: JobStatus[];
  stopped?: boolean;
  timerId?: number;
}

export type JobListRow = JobRow & { source_name: string };

export function findJob(db: Kysely<Database>, sourceId: number, id: number): Promise<JobListRow | undefined> {
  return withSourceName(db).where('j.source_id', '=', sourceId).where('j.id', '=', id).executeTakeFirst();
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
  cache?: StoreView,
): Promise<{ total: number; rows: JobListRow[] }> {
  let q = db.selectFrom('jobs as j').where('j.source_id', '=', sourceId);
  if (f.name !== undefined) q = q.where(containsText(db, 'j.name', f.name));
  if (f.srcDbName !== undefined) q = q.where('j.src_db_name', '=', f.srcDbName);
  // Jobs writing any table there: by their destination database, or a table mapped to it (UpdateMmsTable).
  const dstDb = f.dstDbName;
  if (dstDb !== undefined) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('job_tables as t')
          .select('t.job_id')
          .whereRef('t.job_id', '=', 'j.id')
          .where((w) => w.or([w('t.dst_db_name', '=', dstDb), w.and([w('t.dst_db_name', 'is', null), w('j.dst_db_name', '=', dstDb)])])),
      ),
    );
  }
  if (f.status?.length) q = q.where('j.status', 'in', f.status);
  if (f.stopped !== undefined) q = q.where('j.stopped', '=', f.stopped ? 1 : 0);
  if (f.timerId !== undefined) q = q.where('j.timer_id', '=', f.timerId);
  for (const [column, value] of [['src_table_name', f.srcTableName], ['dst_table_name', f.dstTableName]] as const) {
    if (value === undefined) continue;
    q = q.where(({ exists, selectFrom }) =>
      exists(selectFrom('job_tables as t').select('t.job_id').whereRef('t.job_id', '=', 'j.id').where(`t.${column}`, '=', value)),
    );
  }
  // Counted and paged on the jobs' indexes alone (or kept: StoreCache); only the page's rows are read whole.
  let ids = q.select('j.id');
  if (statusOrder) ids = ids.orderBy('j.status', statusOrder);
  ids = ids.orderBy('j.id', 'desc');
  const { total, ids: order } = await pageOfIds(cachedList(cache, ['jobs', sourceId, f, statusOrder ?? null], f.name !== undefined), page, {
    all: async () => (await ids.execute()).map((r) => r.id),
    page: async () => (await ids.offset(page.offset).limit(page.limit).execute()).map((r) => r.id),
    total: async () => Number((await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()).total),
  });
  const byId = new Map((order.length ? await withSourceName(db).where('j.id', 'in', order).execute() : []).map((r) => [r.id, r]));
  return { total, rows: order.flatMap((id) => byId.get(id) ?? []) };
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
