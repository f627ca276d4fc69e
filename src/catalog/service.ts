import { destinationDatabase, type DataSourceService } from '../datasources/service.js';
import type { MigrationStatus } from '../store/schema.js';
import type { Engine } from '../connectors/engines.js';

/** The data source a catalog object belongs to: its name, its default destination database (MMS's project) and engine. */
export interface CatalogSource {
  name: string;
  project: string;
  destination: Engine;
}
import { invalid, notFound } from '../errors.js';
import { assertNotMigrating } from '../store/jobs.js';
import { destinationNameProblem, type NameKind } from '../connectors/names.js';
import { setTablesStatus } from '../store/catalog-status.js';
import * as catalog from '../store/catalog.js';
import type { Store } from '../store/store.js';
import { StoreCache, type CallVersion, type StoreView } from '../store/store-cache.js';

type Page = { offset: number; limit: number };

/** ListMmsDbs / GetMmsDb, ListMmsTables / GetMmsTable, ListMmsPartitions / GetMmsPartition. */
export class CatalogService {
  /** Lists' ids, and each call's data source, kept between calls while the store is unchanged. */
  private readonly lists: StoreCache;

  constructor(
    private readonly store: Store,
    private readonly dataSources: DataSourceService,
  ) {
    this.lists = new StoreCache(store.version);
  }

  private async source(sourceId: number, view?: StoreView): Promise<CatalogSource> {
    return (view ?? (await this.lists.at())).value(`source ${sourceId}`, async () => {
      const source = await this.dataSources.describe(sourceId);
      return { name: source.row.name, project: destinationDatabase(source.config), destination: source.config.destination.type };
    });
  }

  /** The data source's default destination database (MMS's project). */
  async defaultProject(sourceId: number): Promise<string> {
    return (await this.source(sourceId)).project;
  }

  async listDbs(sourceId: number, f: catalog.CatalogFilter, sort: catalog.CatalogSort, page: Page, callVersion?: CallVersion) {
    const view = await this.lists.at(callVersion);
    const source = await this.source(sourceId, view);
    return { source, ...(await catalog.listDbs(this.store.db, sourceId, f, sort, page, view)) };
  }

  async listTables(sourceId: number, f: catalog.CatalogFilter, sort: catalog.CatalogSort, page: Page, callVersion?: CallVersion) {
    const view = await this.lists.at(callVersion);
    const source = await this.source(sourceId, view);
    return { source, ...(await catalog.listTables(this.store.db, sourceId, f, sort, page, view)) };
  }

  async listPartitions(sourceId: number, f: catalog.CatalogFilter, sort: catalog.CatalogSort, page: Page, callVersion?: CallVersion) {
    const view = await this.lists.at(callVersion);
    const source = await this.source(sourceId, view);
    return { source, ...(await catalog.listPartitions(this.store.db, sourceId, f, sort, page, view)) };
  }

  async getDb(sourceId: number, id: number) {
    const source = await this.source(sourceId);
    const row = await catalog.getDb(this.store.db, sourceId, id);
    if (!row) throw notFound('Db', id);
    return { source, row };
  }

  async getTable(sourceId: number, id: number) {
    const source = await this.source(sourceId);
    const row = await catalog.getTable(this.store.db, sourceId, id);
    if (!row) throw notFound('Table', id);
    return { source, row };
  }

  async getPartition(sourceId: number, id: number) {
    const source = await this.source(sourceId);
    const row = await catalog.getPartition(this.store.db, sourceId, id);
    if (!row) throw notFound('Partition', id);
    return { source, row };
  }

  /** UpdateMmsDb: the db's destination database and schema, and/or its tables' status. */
  async updateDb(sourceId: number, dbId: number, u: DestinationUpdate): Promise<void> {
    const source = await this.source(sourceId);
    if (!(await catalog.getDb(this.store.db, sourceId, dbId))) throw notFound('Db', dbId);
    noSchemaLevel('dstName', u.dstName); // a database's dstName is its schema
    checkNames(source.destination, u);
    const tables = await this.store.db.selectFrom('catalog_tables').select(['id', 'name']).where('db_id', '=', dbId).where('dropped', '=', 0).execute();
    await this.apply(dbId, tables, u, (set) => this.store.db.updateTable('catalog_dbs').set(set).where('id', '=', dbId).execute(), { dst_project_name: u.dstProjectName, dst_name: u.dstName });
  }

  /** UpdateMmsTable: one table's destination database, schema and name, and/or its status. */
  async updateTable(sourceId: number, tableId: number, u: DestinationUpdate): Promise<void> {
    const source = await this.source(sourceId);
    const table = await catalog.getTable(this.store.db, sourceId, tableId);
    if (!table) throw notFound('Table', tableId);
    checkNames(source.destination, u, true);
    await this.apply(table.db_id, [table], u, (set) => this.store.db.updateTable('catalog_tables').set(set).where('id', '=', tableId).execute(), {
      dst_project_name: u.dstProjectName, dst_schema_name: u.dstSchemaName, dst_name: u.dstName,
    });
  }

  /** UpdateMmsTables: the same destination database, schema and/or status on the tables named (in `dbName`) or given by id. Returns how many. */
  async updateTables(sourceId: number, u: DestinationUpdate & { dbName?: string; tableNames?: string[]; tables?: number[] }): Promise<number> {
    const source = await this.source(sourceId);
    checkNames(source.destination, u);
    let q = this.store.db.selectFrom('catalog_tables as t').innerJoin('catalog_dbs as d', 'd.id', 't.db_id').select(['t.id', 't.name', 't.db_id']).where('t.source_id', '=', sourceId).where('t.dropped', '=', 0);
    if (u.dbName !== undefined) q = q.where('d.name', '=', u.dbName);
    if (u.tableNames !== undefined) q = q.where('t.name', 'in', u.tableNames.length ? u.tableNames : ['']);
    if (u.tables !== undefined) q = q.where('t.id', 'in', u.tables.length ? u.tables : [0]);
    if (u.tableNames === undefined && u.tables === undefined) throw invalid('name the tables: tableNames (with dbName) or tables (ids)');
    const rows = await q.execute();
    const byDb = new Map<number, typeof rows>();
    for (const r of rows) byDb.set(r.db_id, [...(byDb.get(r.db_id) ?? []), r]);
    for (const [dbId, tables] of byDb) {
      const ids = tables.map((t) => t.id);
      await this.apply(dbId, tables, u, (set) => this.store.db.updateTable('catalog_tables').set(set).where('id', 'in', ids).execute(), {
        dst_project_name: u.dstProjectName, dst_schema_name: u.dstSchemaName,
      });
    }
    return rows.length;
  }

  /** Sets the mapping columns given ('' resets one to the default) and the status, refusing tables a running job is copying. */
  private async apply(dbId: number, tables: { id: number; name: string }[], u: DestinationUpdate, set: (v: Record<string, string | null>) => Promise<unknown>, mapping: Record<string, string | undefined>): Promise<void> {
    const status = u.status === undefined ? undefined : settable(u.status);
    await assertNotMigrating(this.store.db, dbId, tables.map((t) => t.name));
    const values = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v === '' ? null : v!]));
    if (Object.keys(values).length) await set(values);
    if (status) await setTablesStatus(this.store.db, tables.map((t) => t.id), status);
  }

}

/** UpdateMmsDb/Table/Tables bodies. */
export interface DestinationUpdate {
  dstProjectName?: string;
  dstSchemaName?: string;
  dstName?: string;
  status?: MigrationStatus;
}

/** A status the Update calls may set: what only the engine's own work sets is refused, saying why. */
function settable(status: MigrationStatus): 'INIT' | 'DONE' | 'FAILED' {
  if (status === 'DOING') throw invalid('status: DOING is what a running job sets; set INIT (copy again), DONE (compare first, copy only if changed) or FAILED');
  if (status === 'PART_DONE') throw invalid("status: PART_DONE follows from a table's partitions; set INIT (copy again), DONE (compare first, copy only if changed) or FAILED");
  return status;
}

/** Names the destination engine could not hold are refused now, not when a job writes them (connectors/names.ts). */
function checkNames(engine: Engine, u: DestinationUpdate, tableName = false): void {
  noSchemaLevel('dstSchemaName', u.dstSchemaName);
  const check = (kind: NameKind, field: string, name?: string) => {
    const problem = name ? destinationNameProblem(engine, kind, name) : null;
    if (problem) throw invalid(`${field}: '${name}' cannot be written to the ${engine} destination: ${problem}`);
  };
  check('database', 'dstProjectName', u.dstProjectName);
  if (tableName) check('table', 'dstName', u.dstName);
}

/**
 * OpenMMS names a table by database and table, at both ends: a third level (MMS's schema in a
 * MaxCompute project) has nothing to name, so a value for it is refused rather than kept and
 * ignored ('' or none: nothing asked).
 */
export function noSchemaLevel(field: string, value: string | null | undefined): void {
  if (value) throw invalid(`${field}: '${value}' names a schema, a third naming level OpenMMS sources and destinations do not have (a database holds the tables: name it with dstDbName or dstProjectName, srcDbName at the source)`);
}
