import type { DataSourceService } from '../datasources/service.js';
import { notFound } from '../errors.js';
import * as catalog from '../store/catalog.js';
import type { Store } from '../store/store.js';

type Page = { offset: number; limit: number };

/** ListMmsDbs / GetMmsDb, ListMmsTables / GetMmsTable, ListMmsPartitions / GetMmsPartition. */
export class CatalogService {
  constructor(
    private readonly store: Store,
    private readonly dataSources: DataSourceService,
  ) {}

  private async sourceName(sourceId: number): Promise<string> {
    return (await this.dataSources.get(sourceId)).row.name;
  }

  async listDbs(sourceId: number, f: catalog.CatalogFilter, sort: catalog.CatalogSort, page: Page) {
    const sourceName = await this.sourceName(sourceId);
    return { sourceName, ...(await catalog.listDbs(this.store.db, sourceId, f, sort, page)) };
  }

  async listTables(sourceId: number, f: catalog.CatalogFilter, sort: catalog.CatalogSort, page: Page) {
    const sourceName = await this.sourceName(sourceId);
    return { sourceName, ...(await catalog.listTables(this.store.db, sourceId, f, sort, page)) };
  }

  async listPartitions(sourceId: number, f: catalog.CatalogFilter, sort: catalog.CatalogSort, page: Page) {
    const sourceName = await this.sourceName(sourceId);
    return { sourceName, ...(await catalog.listPartitions(this.store.db, sourceId, f, sort, page)) };
  }

  async getDb(sourceId: number, id: number) {
    const sourceName = await this.sourceName(sourceId);
    const row = await catalog.getDb(this.store.db, sourceId, id);
    if (!row) throw notFound('Db', id);
    return { sourceName, row };
  }

  async getTable(sourceId: number, id: number) {
    const sourceName = await this.sourceName(sourceId);
    const row = await catalog.getTable(this.store.db, sourceId, id);
    if (!row) throw notFound('Table', id);
    return { sourceName, row };
  }

  async getPartition(sourceId: number, id: number) {
    const sourceName = await this.sourceName(sourceId);
    const row = await catalog.getPartition(this.store.db, sourceId, id);
    if (!row) throw notFound('Partition', id);
    return { sourceName, row };
  }
}
