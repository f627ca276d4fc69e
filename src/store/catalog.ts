import { Type } from '@sinclair/typebox';
import { decodeStored } from './stored-json.js';
import type { Kysely } from 'kysely';
import type { CatalogDbRow, CatalogPartitionRow, CatalogTableRow, Database, MigrationStatus } from './schema.js';
import { COUNTER } from './rollup.js';
import { containsText } from './sql.js';
import { cachedList, pageOfIds, type CachedList, type StoreView } from './store-cache.js';

const COUNTER_COLUMNS = Object.values(COUNTER);

/** The integer key a table without partitions is cut into chunks and compared by, with its bounds at the last scan. */
export interface TableKey {
  column: string;
  min: bigint;
  max: bigint;
}

export const tableKeyOf = (t: Pick<CatalogTableRow, 'chunk_key' | 'key_min' | 'key_max'>): TableKey | null =>
  t.chunk_key !== null && t.key_min !== null && t.key_max !== null ? { column: t.chunk_key, min: BigInt(t.key_min), max: BigInt(t.key_max) } : null;

export function findDbByName(db: Kysely<Database>, sourceId: number, name: string): Promise<CatalogDbRow | undefined> {
  return db.selectFrom('catalog_dbs').selectAll().where('source_id', '=', sourceId).where('name', '=', name).where('dropped', '=', 0).executeTakeFirst();
}

/** A data source's databases, by name, at most `limit`. */
export function liveDbs(db: Kysely<Database>, sourceId: number, limit: number): Promise<CatalogDbRow[]> {
  return db.selectFrom('catalog_dbs').selectAll().where('source_id', '=', sourceId).where('dropped', '=', 0).orderBy('name').limit(limit).execute();
}

export async function tableNames(db: Kysely<Database>, dbId: number): Promise<string[]> {
  const rows = await db.selectFrom('catalog_tables').select('name').where('db_id', '=', dbId).where('dropped', '=', 0).orderBy('name').execute();
  return rows.map((r) => r.name);
}

/** What the store's own queries read of a column list (connectors/connector.ts decodeColumns checks the rest). */
const NamedColumns = Type.Array(Type.Object({ name: Type.String(), type: Type.String() }));

/** Partition columns (name and logical type) of the named tables of a database. */
export async function partitionColumns(db: Kysely<Database>, dbId: number, tables: string[]): Promise<Map<string, { name: string; type: string }[]>> {
  const out = new Map<string, { name: string; type: string }[]>();
  if (tables.length === 0) return out;
  const rows = await db.selectFrom('catalog_tables').select(['name', 'partition_columns']).where('db_id', '=', dbId).where('dropped', '=', 0).where('name', 'in', tables).execute();
  for (const r of rows) out.set(r.name, decodeStored(NamedColumns, r.partition_columns, 'partition column list').map(({ name, type }) => ({ name, type })));
  return out;
}

/** Column names of every live table of a database. */
export async function columnNames(db: Kysely<Database>, dbId: number): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('catalog_tables').select(['name', 'columns']).where('db_id', '=', dbId).where('dropped', '=', 0).execute();
  return new Map(rows.map((r) => [r.name, decodeStored(NamedColumns, r.columns, 'column list').map((c) => c.name)]));
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
    .where('p.dropped', '=', 0)
    .where('p.id', 'in', ids)
    .execute();
  for (const r of rows) out.set(r.id, r.name);
  return out;
}

export interface CatalogFilter {
  dbId?: number;
  dbName?: string;
  tableId?: number;
  tableName?: string;
  /** Partitions of these tables (a table filter resolved: listPartitions). */
  tableIds?: number[];
  /** Name (or partition value) contains this text. */
  name?: string;
  status?: string[];
  updated?: boolean;
  hasPartitions?: boolean;
  dropped?: boolean;
  lastDdlTimeStart?: number;
  lastDdlTimeEnd?: number;
  /** Tables by their effective destination (their own mapping, else their db's, else the default `project`). */
  destination?: { project: string; dstProjectName?: string; dstName?: string };
}

export type CatalogSort = { field: 'num_rows' | 'size' | 'last_ddl_time' | 'update_time'; order: 'asc' | 'desc' } | undefined;
type Page = { offset: number; limit: number };

/**
 * The filters ListMmsDbs / ListMmsTables / ListMmsPartitions share, on alias `o` (the object)
 * with `d` (its db) and, below db level, `t` (its table). Dropped objects are hidden unless asked for.
 */
function filtered<Q extends { where: (...a: any[]) => Q }>(db: Kysely<Database>, q: Q, sourceId: number, f: CatalogFilter, nameColumn: string, level: 'db' | 'table' | 'partition'): Q {
  let out = q.where('o.source_id' as never, '=', sourceId).where('o.dropped' as never, '=', f.dropped ? 1 : 0);
  if (f.name !== undefined) out = out.where(containsText(db, nameColumn, f.name) as never);
  if (f.status?.length) out = out.where('o.status' as never, 'in', f.status);
  if (f.updated !== undefined) out = out.where('o.updated' as never, '=', f.updated ? 1 : 0);
  if (f.lastDdlTimeStart !== undefined) out = out.where('o.last_ddl_time' as never, '>=', f.lastDdlTimeStart);
  if (f.lastDdlTimeEnd !== undefined) out = out.where('o.last_ddl_time' as never, '<=', f.lastDdlTimeEnd);
  // Through the object's own columns (db_id, table_id), so counting a page's total needs no join;
  // the subqueries are not correlated, so the planner resolves them once and walks an index.
  if (level !== 'db') {
    if (f.dbId !== undefined) out = out.where('o.db_id' as never, '=', f.dbId);
    if (f.dbName !== undefined) out = out.where('o.db_id' as never, 'in', (eb: any) => eb.selectFrom('catalog_dbs').select('id').where('name', '=', f.dbName).where('source_id', '=', sourceId));
  }
  if (level === 'table' && f.hasPartitions !== undefined) out = out.where('o.has_partitions' as never, '=', f.hasPartitions ? 1 : 0);
  if (level === 'table' && f.destination) {
    const d = f.destination;
    const ofDb = (column: string) => (eb: any) => eb.selectFrom('catalog_dbs as md').select(`md.${column}`).whereRef('md.id', '=', 'o.db_id');
    if (d.dstProjectName !== undefined) out = out.where((eb: any) => eb(eb.fn.coalesce('o.dst_project_name', ofDb('dst_project_name')(eb), eb.val(d.project)), '=', d.dstProjectName));
    if (d.dstName !== undefined) out = out.where((eb: any) => eb(eb.fn.coalesce('o.dst_name', 'o.name'), '=', d.dstName));
  }
  if (level === 'partition') {
    // listPartitions resolves tableId and tableName to these first.
    if (f.tableIds !== undefined) out = out.where('o.table_id' as never, 'in', f.tableIds.length ? f.tableIds : [-1]);
  }
  return out;
}

/**
 * The total of the filtered objects and one page of them: counted and paged on the object's own
 * table (no join, so a large catalog counts from its index), then the page's rows read whole, with
 * their parents' names, by id. That read does not filter on the source again: the ids came from
 * the source's own rows, and with a second condition SQLite walked the source's index (6 ms over
 * 100,000 partitions) instead of looking up 100 rowids.
 */
async function paged<Row extends { id: number }>(q: any, sort: CatalogSort, page: Page, read: (ids: number[]) => Promise<Row[]>, known?: number, cached?: CachedList): Promise<{ total: number; rows: Row[] }> {
  let ids = q.select('o.id');
  if (sort) ids = ids.orderBy(`o.${sort.field}`, sort.order);
  ids = ids.orderBy('o.id', 'asc');
  const idsOf = async (query: any) => (await query.execute()).map((r: { id: number }) => r.id) as number[];
  const { total, ids: order } = await pageOfIds(cached, page, {
    all: () => idsOf(ids),
    page: () => idsOf(ids.offset(page.offset).limit(page.limit)),
    total: async () => Number(known ?? (await q.select((eb: any) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow()).total),
  });
  const byId = new Map((order.length ? await read(order) : []).map((r) => [r.id, r]));
  return { total, rows: order.map((id) => byId.get(id)!).filter(Boolean) };
}

const cachedAs = (cache: StoreView | undefined, kind: string, sourceId: number, f: CatalogFilter, sort: CatalogSort): CachedList | undefined =>
  cachedList(cache, [kind, sourceId, f, sort], f.name !== undefined);

/** A db's partitions by status: its partitioned tables' counters added up. */
const PARTITION_SUMS = ['n_init', 'n_doing', 'n_done', 'n_failed', 'n_part_done'] as const;

function dbsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('catalog_dbs as o')
    .selectAll('o')
    .select((eb) =>
      PARTITION_SUMS.map((c) =>
        eb
          .selectFrom('catalog_tables as ct')
          .select((sub) => sub.fn.coalesce(sub.fn.sum<number>(`ct.${c}`), sub.lit(0)).as('s'))
          .whereRef('ct.db_id', '=', 'o.id')
          .where('ct.dropped', '=', 0)
          .where('ct.has_partitions', '=', 1)
          .as(`p_${c}`),
      ),
    );
}

export type CatalogDbListRow = CatalogDbRow & { [K in (typeof PARTITION_SUMS)[number] as `p_${K}`]: number | string | null };
function tablesQuery(db: Kysely<Database>) {
  return db
    .selectFrom('catalog_tables as o')
    .innerJoin('catalog_dbs as d', 'd.id', 'o.db_id')
    .selectAll('o')
    .select(['d.name as db_name', 'd.dst_project_name as db_dst_project_name', 'd.dst_name as db_dst_name']);
}
/** What a partition's list and GetMmsPartition show of its own row (not what only jobs read: scan, key bounds, fingerprint). */
const PARTITION_COLUMNS = ['id', 'source_id', 'db_id', 'table_id', 'value', 'status', 'updated', 'dropped', 'num_rows', 'size', 'last_ddl_time'] as const;

/**
 * Partitions with their table's and db's names and mappings, read once per table: joined to each
 * of a page's 100 rows, they tripled its read (and spreading a parent into each row cost more).
 */
async function withParents(db: Kysely<Database>, rows: CatalogPartitionRowShown[], view?: StoreView): Promise<CatalogPartitionListRow[]> {
  if (rows.length === 0) return [];
  const tableIds = [...new Set(rows.map((r) => r.table_id))];
  const read = () =>
    db
      .selectFrom('catalog_tables as t')
      .innerJoin('catalog_dbs as d', 'd.id', 't.db_id')
      .select(['t.id', 'd.name as db_name', 't.name as table_name', 'd.dst_project_name as db_dst_project_name', 'd.dst_name as db_dst_name'])
      .select(['t.dst_project_name as table_dst_project_name', 't.dst_schema_name as table_dst_schema_name', 't.dst_name as table_dst_name'])
      .where('t.id', 'in', tableIds)
      .execute();
  const parents = view ? await view.value(`parents ${tableIds.join(',')}`, read) : await read();
  const byTable = new Map(parents.map((p) => [p.id, p]));
  return rows.map((r) => Object.assign(r, { parent: byTable.get(r.table_id)! }));
}

const partitionsById = async (db: Kysely<Database>, ids: number[], sourceId?: number, view?: StoreView) =>
  withParents(db, await db.selectFrom('catalog_partitions').select(PARTITION_COLUMNS).where('id', 'in', ids).$if(sourceId !== undefined, (q) => q.where('source_id', '=', sourceId!)).execute(), view);

/** The db's mapping, which a table's own overrides. */
type DbMapping = { db_dst_project_name: string | null; db_dst_name: string | null };
export type CatalogTableListRow = CatalogTableRow & { db_name: string } & DbMapping;
type CatalogPartitionRowShown = Pick<CatalogPartitionRow, (typeof PARTITION_COLUMNS)[number]>;
export type CatalogPartitionListRow = CatalogPartitionRowShown & {
  parent: { db_name: string; table_name: string; table_dst_project_name: string | null; table_dst_schema_name: string | null; table_dst_name: string | null } & DbMapping;
};

export const listDbs = (db: Kysely<Database>, sourceId: number, f: CatalogFilter, sort: CatalogSort, page: Page, cache?: StoreView) =>
  paged(filtered(db, db.selectFrom('catalog_dbs as o'), sourceId, f, 'o.name', 'db'), sort, page, (ids) =>
    dbsQuery(db).where('o.id', 'in', ids).execute() as Promise<CatalogDbListRow[]>,
  undefined, cachedAs(cache, 'dbs', sourceId, f, sort));
export const listTables = (db: Kysely<Database>, sourceId: number, f: CatalogFilter, sort: CatalogSort, page: Page, cache?: StoreView) =>
  paged(filtered(db, db.selectFrom('catalog_tables as o'), sourceId, f, 'o.name', 'table'), sort, page, (ids) =>
    tablesQuery(db).where('o.id', 'in', ids).execute(),
  undefined, cachedAs(cache, 'tables', sourceId, f, sort));
/**
 * ListMmsPartitions. A table filter is resolved to ids first, so the planner walks the partitions'
 * list index (table, source, live, status, id) in page order; and when nothing but tables and
 * statuses filters, the total comes from the tables' status counters instead of a count.
 */
export async function listPartitions(db: Kysely<Database>, sourceId: number, f: CatalogFilter, sort: CatalogSort, page: Page, cache?: StoreView) {
  let filter = f;
  let known: number | undefined;
  if (f.tableId !== undefined || f.tableName !== undefined) {
    let tables = db.selectFrom('catalog_tables').select(['id', 'dropped', ...COUNTER_COLUMNS]).where('source_id', '=', sourceId);
    if (f.tableId !== undefined) tables = tables.where('id', '=', f.tableId);
    if (f.tableName !== undefined) tables = tables.where('name', '=', f.tableName);
    if (f.dbId !== undefined) tables = tables.where('db_id', '=', f.dbId);
    if (f.dbName !== undefined) tables = tables.where('db_id', 'in', (eb) => eb.selectFrom('catalog_dbs').select('id').where('name', '=', f.dbName!).where('source_id', '=', sourceId));
    const key = JSON.stringify(['tables', sourceId, f.tableId, f.tableName, f.dbId, f.dbName]);
    const found = cache ? await cache.value(key, () => tables.execute()) : await tables.execute();
    filter = { ...f, tableId: undefined, tableName: undefined, tableIds: found.map((t) => t.id) };
    // The counters hold a live table's live partitions by status.
    const counted = found.every((t) => !t.dropped) && f.name === undefined && f.updated === undefined && !f.dropped && f.lastDdlTimeStart === undefined && f.lastDdlTimeEnd === undefined;
    const statuses = (f.status?.length ? f.status : Object.keys(COUNTER)) as MigrationStatus[];
    if (counted) known = found.reduce((n, t) => n + statuses.reduce((m, st) => m + Number(t[COUNTER[st]] ?? 0), 0), 0);
  }
  return paged(filtered(db, db.selectFrom('catalog_partitions as o'), sourceId, filter, 'o.value', 'partition'), sort, page, (ids) => partitionsById(db, ids, undefined, cache), known, cachedAs(cache, 'partitions', sourceId, filter, sort));
}

export const getDb = (db: Kysely<Database>, sourceId: number, id: number) => dbsQuery(db).where('o.source_id', '=', sourceId).where('o.id', '=', id).executeTakeFirst() as Promise<CatalogDbListRow | undefined>;
export const getTable = (db: Kysely<Database>, sourceId: number, id: number) => tablesQuery(db).where('o.source_id', '=', sourceId).where('o.id', '=', id).executeTakeFirst();
export const getPartition = async (db: Kysely<Database>, sourceId: number, id: number): Promise<CatalogPartitionListRow | undefined> => (await partitionsById(db, [id], sourceId))[0];

/** The destination mapping (UpdateMmsTable/Tables) of the given tables of a database, by name. */
export async function destinationMapping(db: Kysely<Database>, dbId: number, tables: string[]): Promise<Map<string, { dst_project_name: string | null; dst_name: string | null }>> {
  const out = new Map<string, { dst_project_name: string | null; dst_name: string | null }>();
  for (let i = 0; i < tables.length; i += 500) {
    const rows = await db
      .selectFrom('catalog_tables')
      .select(['name', 'dst_project_name', 'dst_name'])
      .where('db_id', '=', dbId)
      .where('dropped', '=', 0)
      .where('name', 'in', tables.slice(i, i + 500))
      .where((eb) => eb.or([eb('dst_project_name', 'is not', null), eb('dst_name', 'is not', null)]))
      .execute();
    for (const r of rows) out.set(r.name, r);
  }
  return out;
}
