import type { Kysely, Transaction } from 'kysely';
import type { PartitionMeta, SourceCatalog, TableMeta } from '../connectors/connector.js';
import { openCatalog } from '../connectors/index.js';
import type { DataSource } from '../datasources/service.js';
import { countPartitions, countTables } from '../store/catalog-status.js';
import type { Database, MigrationStatus } from '../store/schema.js';
import type { StatusDelta } from '../store/rollup.js';
import { formatSpec } from '../connectors/partition-spec.js';
import { decodeCuts } from '../connectors/cuts.js';
import type { Sandbox } from '../security/sandbox.js';

/**
 * The next item already being read while the caller handles this one: a catalog lists the next
 * partitions while the store writes these (on a PostgreSQL store, a round trip per statement).
 */
async function* readingAhead<T>(items: AsyncIterable<T>): AsyncGenerator<T> {
  const it = items[Symbol.asyncIterator]();
  try {
    let next = it.next();
    for (;;) {
      next.catch(() => {}); // awaited below; a caller that stops early must not leave it unhandled
      const r = await next;
      if (r.done) return;
      next = it.next();
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

export interface ScanChange {
  object: 'db' | 'table' | 'partition';
  /** `db`, `db.table` or `db.table/p=v`. */
  name: string;
  change: 'added' | 'updated' | 'dropped';
}

export interface ScanResult {
  /** As MMS names it in a scan's result. */
  databases: number;
  tables: number;
  partitions: number;
  added: number;
  updated: number;
  dropped: number;
  /** The first MAX_CHANGES changes, in scan order. */
  changes: ScanChange[];
  changesTruncated: boolean;
}

export interface ScanScope {
  dbName?: string;
  tableNames?: string[];
}

const MAX_CHANGES = 1000;
type Db = Kysely<Database>;
type Tx = Transaction<Database>;

/**
 * One metadata scan of a data source into the catalog. Every row it sees gets the scan's id;
 * rows of the scanned scope that keep an older id were dropped at the source. Partitions stream
 * in batches, each written in one transaction, so memory stays bounded whatever the table size.
 */
export class CatalogScan {
  private readonly result: ScanResult = { databases: 0, tables: 0, partitions: 0, added: 0, updated: 0, dropped: 0, changes: [], changesTruncated: false };
  private readonly now = Date.now();

  constructor(
    private readonly db: Db,
    private readonly scanId: number,
    private readonly source: DataSource,
    private readonly scope: ScanScope,
    private readonly onProgress: (percent: number) => Promise<void>,
  ) {}

  async run(sandbox: Sandbox): Promise<ScanResult> {
    const catalog = await openCatalog(this.source.type, await sandbox.connection(this.source.type, this.source.config.source, { role: 'source', sourceId: this.source.row.id }));
    try {
      await this.scan(catalog);
    } finally {
      await catalog.close();
    }
    return this.result;
  }

  private async scan(catalog: SourceCatalog): Promise<void> {
    const sourceId = this.source.row.id;
    let dbs = await catalog.databases();
    if (this.scope.dbName !== undefined) {
      if (!dbs.includes(this.scope.dbName)) throw new Error(`database '${this.scope.dbName}' does not exist in the source`);
      dbs = [this.scope.dbName];
    }
    for (const [i, dbName] of dbs.entries()) {
      const dbId = await this.upsertDb(dbName);
      const tables = await catalog.tables(dbName, this.scope.tableNames);
      for (const [j, meta] of tables.entries()) {
        await this.scanTable(catalog, dbId, dbName, meta);
        await this.onProgress(Math.floor(((i + (j + 1) / tables.length) / dbs.length) * 100));
      }
      if (!this.scope.tableNames) await this.dropUnseenTables(dbId, dbName);
      await this.refreshDbTotals(dbId);
    }
    if (this.scope.dbName === undefined) await this.dropUnseenDbs(sourceId);
    this.result.databases = dbs.length;
  }

  private note(object: ScanChange['object'], name: string, change: ScanChange['change']) {
    this.result[change]++;
    if (this.result.changes.length < MAX_CHANGES) this.result.changes.push({ object, name, change });
    else this.result.changesTruncated = true;
  }

  private async upsertDb(name: string): Promise<number> {
    const sourceId = this.source.row.id;
    const existing = await this.db.selectFrom('catalog_dbs').select(['id', 'dropped']).where('source_id', '=', sourceId).where('name', '=', name).executeTakeFirst();
    if (existing) {
      await this.db.updateTable('catalog_dbs').set({ scan_id: this.scanId, dropped: 0, update_time: this.now }).where('id', '=', existing.id).execute();
      if (existing.dropped) this.note('db', name, 'added');
      return existing.id;
    }
    const { id } = await this.db
      .insertInto('catalog_dbs')
      .values({ source_id: sourceId, name, status: 'INIT', updated: 0, table_num: 0, partition_num: 0, size: 0, num_rows: 0, fingerprint: null, last_ddl_time: null, scan_id: this.scanId, create_time: this.now, update_time: this.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    this.note('db', name, 'added');
    return id;
  }

  /**
   * Where a table without partitions or an integer key is cut into chunks (JSON Cuts): the cut
   * points the catalog holds while the table's columns stay as they were and it has not doubled
   * (so its chunks keep their destination tags from run to run), else the source's anew.
   */
  private async cutsOf(catalog: SourceCatalog, dbName: string, meta: TableMeta, existing: { columns: string; cuts: string | null; dropped: number } | undefined): Promise<string | null> {
    if (meta.partitionColumns.length || meta.chunkKey || !catalog.cuts) return null;
    const kept = existing && !existing.dropped && existing.columns === JSON.stringify(meta.columns) ? decodeCuts(existing.cuts) : null;
    if (kept && meta.rows <= 2 * kept.rows) return existing!.cuts;
    const found = await catalog.cuts(dbName, meta);
    return found ? JSON.stringify(found) : null;
  }

  private async scanTable(catalog: SourceCatalog, dbId: number, dbName: string, meta: TableMeta): Promise<void> {
    this.result.tables++;
    const label = `${dbName}.${meta.name}`;
    const partitioned = meta.partitionColumns.length > 0;
    const existing = await this.db.selectFrom('catalog_tables').select(['id', 'fingerprint', 'dropped', 'status', 'last_ddl_time', 'columns', 'cuts']).where('db_id', '=', dbId).where('name', '=', meta.name).executeTakeFirst();
    const fields = {
      comment: meta.comment,
      columns: JSON.stringify(meta.columns),
      partition_columns: JSON.stringify(meta.partitionColumns),
      has_partitions: partitioned ? 1 : 0,
      chunk_key: meta.chunkKey?.column ?? null,
      key_min: meta.chunkKey?.min ?? null,
      key_max: meta.chunkKey?.max ?? null,
      cuts: await this.cutsOf(catalog, dbName, meta, existing),
      fingerprint: meta.fingerprint,
      last_ddl_time: meta.lastModified ?? this.now,
      scan_id: this.scanId,
      update_time: this.now,
    };
    let tableId: number;
    if (!existing || existing.dropped) {
      tableId = await this.db.transaction().execute(async (tx) => {
        let id = existing?.id;
        if (id === undefined) {
          ({ id } = await tx
            .insertInto('catalog_tables')
            .values({ ...fields, source_id: this.source.row.id, db_id: dbId, name: meta.name, schema_name: null, status: 'INIT', updated: 0, num_rows: meta.rows, size: meta.size, create_time: this.now })
            .returning('id')
            .executeTakeFirstOrThrow());
        } else {
          // Back after being dropped: a new table as far as migration goes.
          await tx.updateTable('catalog_tables').set({ ...fields, status: 'INIT', updated: 0, dropped: 0, num_rows: meta.rows, size: meta.size, n_init: 0, n_doing: 0, n_done: 0, n_failed: 0, n_part_done: 0 }).where('id', '=', id).execute();
        }
        await countTables(tx, dbId, { INIT: 1 });
        return id;
      });
      this.note('table', label, 'added');
    } else {
      tableId = existing.id;
      const changed = existing.fingerprint !== meta.fingerprint;
      // Without the engine's own time, lastDdlTime is when a scan first saw the table as it is.
      const lastDdl = meta.lastModified ?? (changed ? this.now : existing.last_ddl_time);
      await this.db
        .updateTable('catalog_tables')
        .set({ ...fields, last_ddl_time: lastDdl, ...(changed && { updated: 1 }), ...(!partitioned && { num_rows: meta.rows, size: meta.size }) })
        .where('id', '=', tableId)
        .execute();
      if (changed) this.note('table', label, 'updated');
    }
    if (!partitioned) return;

    let rows = 0;
    let size = 0;
    let changes = 0;
    for await (const batch of readingAhead(catalog.partitions(dbName, meta))) {
      changes += await this.db.transaction().execute((tx) => this.upsertPartitions(tx, dbId, tableId, label, batch));
      for (const p of batch) {
        rows += p.rows;
        size += p.size;
      }
    }
    changes += await this.db.transaction().execute((tx) => this.dropUnseenPartitions(tx, tableId, label));
    const count = await this.db.selectFrom('catalog_partitions').select((eb) => eb.fn.countAll<number>().as('n')).where('table_id', '=', tableId).where('dropped', '=', 0).executeTakeFirstOrThrow();
    // A table seen before whose partitions were added, changed or dropped has changed too.
    const partitionsChanged = existing !== undefined && !existing.dropped && changes > 0;
    await this.db
      .updateTable('catalog_tables')
      .set({ num_rows: rows, size, ...(partitionsChanged && { updated: 1, ...(meta.lastModified === null && { last_ddl_time: this.now }) }) })
      .where('id', '=', tableId)
      .execute();
    this.result.partitions += Number(count.n);
  }

  /** Records a batch of a table's partitions; how many were added or changed. */
  private async upsertPartitions(tx: Tx, dbId: number, tableId: number, label: string, batch: PartitionMeta[]): Promise<number> {
    const values = batch.map((p) => formatSpec(p.spec));
    const existing = new Map(
      (await tx.selectFrom('catalog_partitions').select(['id', 'value', 'fingerprint', 'dropped', 'last_ddl_time']).where('table_id', '=', tableId).where('value', 'in', values).execute()).map((r) => [r.value, r]),
    );
    const fresh = [];
    let added = 0;
    let changes = 0;
    for (const [i, p] of batch.entries()) {
      const value = values[i]!;
      const old = existing.get(value);
      const changed = !old || old.dropped === 1 || old.fingerprint !== p.fingerprint;
      if (changed) changes++;
      // Without the engine's own time, lastDdlTime is when a scan first saw the partition as it is.
      const lastDdl = p.lastModified ?? (changed ? this.now : old!.last_ddl_time);
      const stats = { num_rows: p.rows, size: p.size, fingerprint: p.fingerprint, last_ddl_time: lastDdl, location: p.location, exact: p.exact ? 1 : 0, key_min: p.keyBounds?.min ?? null, key_max: p.keyBounds?.max ?? null, scan_id: this.scanId, update_time: this.now };
      if (!old) {
        fresh.push({ ...stats, source_id: this.source.row.id, db_id: dbId, table_id: tableId, value, status: 'INIT' as const, updated: 0, create_time: this.now });
        this.note('partition', `${label}/${value}`, 'added');
        added++;
      } else if (old.dropped) {
        await tx.updateTable('catalog_partitions').set({ ...stats, status: 'INIT', updated: 0, dropped: 0 }).where('id', '=', old.id).execute();
        this.note('partition', `${label}/${value}`, 'added');
        added++;
      } else {
        await tx.updateTable('catalog_partitions').set({ ...stats, ...(changed && { updated: 1 }) }).where('id', '=', old.id).execute();
        if (changed) this.note('partition', `${label}/${value}`, 'updated');
      }
    }
    if (fresh.length) await tx.insertInto('catalog_partitions').values(fresh).execute();
    await countPartitions(tx, tableId, { INIT: added });
    return changes;
  }

  /** Marks the table's partitions this scan did not see dropped; how many. */
  private async dropUnseenPartitions(tx: Tx, tableId: number, label: string): Promise<number> {
    const unseen = tx.selectFrom('catalog_partitions').where('table_id', '=', tableId).where('dropped', '=', 0).where((eb) => eb.or([eb('scan_id', '!=', this.scanId), eb('scan_id', 'is', null)]));
    const gone = await unseen.select(['id', 'value', 'status']).limit(MAX_CHANGES).execute();
    if (gone.length === 0) return 0;
    const byStatus = await unseen.select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    for (const g of gone) this.note('partition', `${label}/${g.value}`, 'dropped');
    const total = byStatus.reduce((n, s) => n + Number(s.n), 0);
    if (total > gone.length) {
      this.result.dropped += total - gone.length; // beyond the listed ones
      this.result.changesTruncated = true;
    }
    await tx.updateTable('catalog_partitions').set({ dropped: 1, update_time: this.now }).where('table_id', '=', tableId).where('dropped', '=', 0).where((eb) => eb.or([eb('scan_id', '!=', this.scanId), eb('scan_id', 'is', null)])).execute();
    const delta: StatusDelta = {};
    for (const s of byStatus) delta[s.status as MigrationStatus] = -Number(s.n);
    await countPartitions(tx, tableId, delta);
    return total;
  }

  private async dropUnseenTables(dbId: number, dbName: string): Promise<void> {
    const gone = await this.db.selectFrom('catalog_tables').select(['id', 'name', 'status']).where('db_id', '=', dbId).where('dropped', '=', 0).where((eb) => eb.or([eb('scan_id', '!=', this.scanId), eb('scan_id', 'is', null)])).execute();
    for (const t of gone) {
      await this.db.transaction().execute(async (tx) => {
        await tx.updateTable('catalog_tables').set({ dropped: 1, update_time: this.now }).where('id', '=', t.id).execute();
        await tx.updateTable('catalog_partitions').set({ dropped: 1, update_time: this.now }).where('table_id', '=', t.id).execute();
        await countTables(tx, dbId, { [t.status]: -1 });
      });
      this.note('table', `${dbName}.${t.name}`, 'dropped');
    }
  }

  private async dropUnseenDbs(sourceId: number): Promise<void> {
    const gone = await this.db.selectFrom('catalog_dbs').select(['id', 'name']).where('source_id', '=', sourceId).where('dropped', '=', 0).where((eb) => eb.or([eb('scan_id', '!=', this.scanId), eb('scan_id', 'is', null)])).execute();
    for (const d of gone) {
      await this.db.transaction().execute(async (tx) => {
        await tx.updateTable('catalog_dbs').set({ dropped: 1, update_time: this.now }).where('id', '=', d.id).execute();
        await tx.updateTable('catalog_tables').set({ dropped: 1, update_time: this.now }).where('db_id', '=', d.id).execute();
        await tx.updateTable('catalog_partitions').set({ dropped: 1, update_time: this.now }).where('db_id', '=', d.id).execute();
      });
      this.note('db', d.name, 'dropped');
    }
  }

  /** A db's totals over its live tables (one aggregate per db, not per partition). */
  private async refreshDbTotals(dbId: number): Promise<void> {
    const t = await this.db
      .selectFrom('catalog_tables')
      .select((eb) => [eb.fn.countAll<number>().as('tables'), eb.fn.coalesce(eb.fn.sum<number>('num_rows'), eb.val(0)).as('rows'), eb.fn.coalesce(eb.fn.sum<number>('size'), eb.val(0)).as('size')])
      .where('db_id', '=', dbId)
      .where('dropped', '=', 0)
      .executeTakeFirstOrThrow();
    const p = await this.db.selectFrom('catalog_partitions').select((eb) => eb.fn.countAll<number>().as('n')).where('db_id', '=', dbId).where('dropped', '=', 0).executeTakeFirstOrThrow();
    await this.db.updateTable('catalog_dbs').set({ table_num: Number(t.tables), num_rows: Number(t.rows), size: Number(t.size), partition_num: Number(p.n), update_time: this.now }).where('id', '=', dbId).execute();
  }
}
