import type { FastifyBaseLogger } from 'fastify';
import type { DataSourceService } from '../datasources/service.js';
import { conflict, notFound } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ScanRow } from '../store/schema.js';
import { CatalogScan, type ScanScope } from './scan.js';
import type { Sandbox } from '../security/sandbox.js';

/**
 * Metadata scans (CreateMmsFetchMetadataJob / GetMmsFetchMetadataJob), run in the background of
 * this process, one at a time per data source.
 */
export class ScanService {
  private readonly running = new Map<number, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly dataSources: DataSourceService,
    private readonly sandbox: Sandbox,
    private readonly log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
  ) {}

  async create(sourceId: number, scope: ScanScope): Promise<number> {
    await this.dataSources.started(sourceId);
    const busy = await this.store.db.selectFrom('scans').select('id').where('source_id', '=', sourceId).where('status', 'in', ['INIT', 'DOING']).executeTakeFirst();
    if (busy) throw conflict(`scan ${busy.id} of data source ${sourceId} is still running`);
    const { id } = await this.store.db
      .insertInto('scans')
      .values({ source_id: sourceId, status: 'INIT', db_name: scope.dbName ?? null, table_names: scope.tableNames ? JSON.stringify(scope.tableNames) : null, progress: 0, result: null, err_msg: null, create_time: Date.now(), start_time: null, end_time: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const run = this.execute(id, sourceId, scope).finally(() => this.running.delete(id));
    this.running.set(id, run);
    return id;
  }

  async get(sourceId: number, scanId: number): Promise<ScanRow> {
    await this.dataSources.get(sourceId);
    const row = await this.store.db.selectFrom('scans').selectAll().where('source_id', '=', sourceId).where('id', '=', scanId).executeTakeFirst();
    if (!row) throw notFound('Scan', scanId);
    return row;
  }

  /** Scans cut short by a stop of the service cannot resume: say so instead of showing them running forever. */
  async failInterrupted(): Promise<void> {
    await this.store.db
      .updateTable('scans')
      .set({ status: 'FAILED', err_msg: 'interrupted: the service stopped during the scan; start a new scan', end_time: Date.now() })
      .where('status', 'in', ['INIT', 'DOING'])
      .execute();
  }

  /** Resolves when no scan is running (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async execute(scanId: number, sourceId: number, scope: ScanScope): Promise<void> {
    const db = this.store.db;
    const started = Date.now();
    await db.updateTable('scans').set({ status: 'DOING', start_time: started }).where('id', '=', scanId).execute();
    try {
      const source = await this.dataSources.get(sourceId);
      const scan = new CatalogScan(db, scanId, source, scope, (progress) =>
        db.updateTable('scans').set({ progress }).where('id', '=', scanId).execute().then(() => undefined),
      );
      const result = await scan.run(this.sandbox);
      const totals = await db
        .selectFrom('catalog_dbs')
        .select((eb) => [eb.fn.countAll<number>().as('dbs'), eb.fn.coalesce(eb.fn.sum<number>('table_num'), eb.val(0)).as('tables'), eb.fn.coalesce(eb.fn.sum<number>('partition_num'), eb.val(0)).as('partitions')])
        .where('source_id', '=', sourceId)
        .where('dropped', '=', 0)
        .executeTakeFirstOrThrow();
      const now = Date.now();
      await db.updateTable('datasources').set({ last_update_time: now, db_num: Number(totals.dbs), table_num: Number(totals.tables), partition_num: Number(totals.partitions), err_msg: null }).where('id', '=', sourceId).execute();
      await db.updateTable('scans').set({ status: 'DONE', progress: 100, result: JSON.stringify(result), end_time: now }).where('id', '=', scanId).execute();
      this.log.info({ scanId, sourceId, ms: now - started, added: result.added, updated: result.updated, dropped: result.dropped }, 'metadata scan done');
    } catch (err) {
      const message = (err as Error).message;
      await db.updateTable('scans').set({ status: 'FAILED', err_msg: message, end_time: Date.now() }).where('id', '=', scanId).execute();
      await db.updateTable('datasources').set({ err_msg: `metadata scan ${scanId} failed: ${message}` }).where('id', '=', sourceId).execute();
      this.log.warn({ scanId, sourceId, err: message }, 'metadata scan failed');
    }
  }
}
