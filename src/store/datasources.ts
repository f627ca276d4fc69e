import type { Kysely } from 'kysely';
import type { Database, DataSourceRow, DataSourceUpdate, NewDataSource } from './schema.js';

export interface DataSourceFilter {
  name?: string;
  type?: string;
  region?: string;
  /** Only these ids, or all but these (what the caller's policy lets it see). */
  include?: number[];
  exclude?: number[];
}

export async function insertDataSource(db: Kysely<Database>, row: NewDataSource): Promise<number> {
  const { id } = await db.insertInto('datasources').values(row).returning('id').executeTakeFirstOrThrow();
  return id;
}

export function findDataSource(db: Kysely<Database>, id: number): Promise<DataSourceRow | undefined> {
  return db.selectFrom('datasources').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateDataSource(db: Kysely<Database>, id: number, changes: DataSourceUpdate): Promise<void> {
  await db.updateTable('datasources').set(changes).where('id', '=', id).execute();
}

/** What the destination reaches now (security/endpoint.ts), as a task found it. */
export async function setDestinationEndpoint(db: Kysely<Database>, id: number, key: string): Promise<void> {
  await db.updateTable('datasources').set({ destination_endpoint: key }).where('id', '=', id).execute();
}

export async function deleteDataSource(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('datasources').where('id', '=', id).execute();
}

export async function listDataSources(
  db: Kysely<Database>,
  filter: DataSourceFilter,
  page: { offset: number; limit: number },
): Promise<{ total: number; rows: DataSourceRow[] }> {
  let q = db.selectFrom('datasources');
  if (filter.name !== undefined) q = q.where('name', '=', filter.name);
  if (filter.type !== undefined) q = q.where('type', '=', filter.type);
  if (filter.region !== undefined) q = q.where('region', '=', filter.region);
  if (filter.include) q = q.where('id', 'in', [0, ...filter.include]);
  if (filter.exclude?.length) q = q.where('id', 'not in', filter.exclude);
  const { total } = await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('id', 'asc').offset(page.offset).limit(page.limit).execute();
  return { total: Number(total), rows };
}

/** What MMS reports of a data source's catalog and latest scan (ListMmsDataSources, GetMmsDataSource). */
export interface DataSourceStats {
  tablesDoingNum: number; tablesDoneNum: number; tablesFailedNum: number; tablesPartDoneNum: number;
  partitionsDoingNum: number; partitionsDoneNum: number; partitionsFailedNum: number;
  scanId: number | null; scanStatus: string | null; scanErrMsg: string | null;
}

export async function dataSourceStats(db: Kysely<Database>, ids: number[]): Promise<Map<number, DataSourceStats>> {
  const out = new Map<number, DataSourceStats>(
    ids.map((id) => [id, { tablesDoingNum: 0, tablesDoneNum: 0, tablesFailedNum: 0, tablesPartDoneNum: 0, partitionsDoingNum: 0, partitionsDoneNum: 0, partitionsFailedNum: 0, scanId: null, scanStatus: null, scanErrMsg: null }]),
  );
  if (ids.length === 0) return out;
  const tables = await db
    .selectFrom('catalog_dbs')
    .select('source_id')
    .select((eb) => [eb.fn.sum<number>('n_doing').as('doing'), eb.fn.sum<number>('n_done').as('done'), eb.fn.sum<number>('n_failed').as('failed'), eb.fn.sum<number>('n_part_done').as('part')])
    .where('source_id', 'in', ids)
    .where('dropped', '=', 0)
    .groupBy('source_id')
    .execute();
  for (const t of tables) Object.assign(out.get(t.source_id)!, { tablesDoingNum: Number(t.doing), tablesDoneNum: Number(t.done), tablesFailedNum: Number(t.failed), tablesPartDoneNum: Number(t.part) });
  const partitions = await db
    .selectFrom('catalog_tables')
    .select('source_id')
    .select((eb) => [eb.fn.sum<number>('n_doing').as('doing'), eb.fn.sum<number>('n_done').as('done'), eb.fn.sum<number>('n_failed').as('failed')])
    .where('source_id', 'in', ids)
    .where('dropped', '=', 0)
    .where('has_partitions', '=', 1)
    .groupBy('source_id')
    .execute();
  for (const p of partitions) Object.assign(out.get(p.source_id)!, { partitionsDoingNum: Number(p.doing), partitionsDoneNum: Number(p.done), partitionsFailedNum: Number(p.failed) });
  const scans = await db
    .selectFrom('scans as s')
    .select(['s.source_id', 's.id', 's.status', 's.err_msg'])
    .where('s.id', 'in', (eb) => eb.selectFrom('scans').select((x) => x.fn.max('id').as('id')).where('source_id', 'in', ids).groupBy('source_id'))
    .execute();
  for (const s of scans) Object.assign(out.get(s.source_id)!, { scanId: s.id, scanStatus: s.status, scanErrMsg: s.err_msg });
  return out;
}
