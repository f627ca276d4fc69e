import type { Kysely } from 'kysely';
import type { Database, DataSourceRow, DataSourceUpdate, NewDataSource } from './schema.js';

export interface DataSourceFilter {
  name?: string;
  type?: string;
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
  if (filter.include) q = q.where('id', 'in', [0, ...filter.include]);
  if (filter.exclude?.length) q = q.where('id', 'not in', filter.exclude);
  const { total } = await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('id', 'asc').offset(page.offset).limit(page.limit).execute();
  return { total: Number(total), rows };
}
