import type { Kysely } from 'kysely';
import type { CatalogDbRow, Database } from './schema.js';

export function findDbByName(db: Kysely<Database>, sourceId: number, name: string): Promise<CatalogDbRow | undefined> {
  return db.selectFrom('catalog_dbs').selectAll().where('source_id', '=', sourceId).where('name', '=', name).executeTakeFirst();
}

export async function tableNames(db: Kysely<Database>, dbId: number): Promise<string[]> {
  const rows = await db.selectFrom('catalog_tables').select('name').where('db_id', '=', dbId).orderBy('name').execute();
  return rows.map((r) => r.name);
}

/** Maps each of the given partition ids that belongs to the database to its table name. */
export async function partitionTables(db: Kysely<Database>, dbId: number, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('catalog_partitions as p')
    .innerJoin('catalog_tables as t', 't.id', 'p.table_id')
    .select(['p.id', 't.name'])
    .where('p.db_id', '=', dbId)
    .where('p.id', 'in', ids)
    .execute();
  for (const r of rows) out.set(r.id, r.name);
  return out;
}
