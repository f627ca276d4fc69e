import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { DataSourceService } from '../datasources/service.js';
import { conflict, notFound } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ScanRow } from '../store/schema.js';
import { CatalogScan, type ScanScope } from './scan.js';
import type { Sandbox } from '../security/sandbox.js';
import { claimableScans, claimScan, decodeTableNames, endScan, renewScan } from './scan-runs.js';

export interface ScanRunning {
  /** This process in a scan's lease. */
  owner: string;
  /** How long the lease lasts unrenewed (renewed every third of it). */
  leaseMs: number;
  /**
   * True: scans run in this process (embedded mode), and one a dead process left is taken over by
   * `resume`. False (a cluster's API process): they wait for a worker; `offer` tells the dispatcher.
   */
  runHere: boolean;
  offer?: () => void;
}

/** Changed partitions from which a scan has the PostgreSQL store vacuum and analyze them. */
const BULK_CHANGE = 10_000;

/**
 * Metadata scans (CreateMmsFetchMetadataJob / GetMmsFetchMetadataJob), one at a time per data
 * source, each held by a lease (scan-runs.ts) by the process that runs it.
 */
export class ScanService {
  private readonly running = new Map<number, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly dataSources: DataSourceService,
    private readonly sandbox: Sandbox,
    private readonly log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
    private readonly mode: ScanRunning,
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
    if (this.mode.runHere) void this.take(id);
    else this.mode.offer?.();
    return id;
  }

  async get(sourceId: number, scanId: number): Promise<ScanRow> {
    await this.dataSources.get(sourceId);
    const row = await this.store.db.selectFrom('scans').selectAll().where('source_id', '=', sourceId).where('id', '=', scanId).executeTakeFirst();
    if (!row) throw notFound('Scan', scanId);
    return row;
  }

  /** Takes over the scans nobody holds (left by a process that died), and runs them. */
  async resume(): Promise<void> {
    for (const { id } of await claimableScans(this.store.db).execute()) if (!this.running.has(id)) void this.take(id);
  }

  /** Runs a scan if this process can claim it (a worker's queue message, a new scan, one to resume); resolves when it ended. */
  take(scanId: number): Promise<void> {
    const run = this.running.get(scanId) ?? this.claimAndRun(scanId).finally(() => this.running.delete(scanId));
    this.running.set(scanId, run);
    return run;
  }

  /** Resolves when no scan is running here (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  private async claimAndRun(scanId: number): Promise<void> {
    const db = this.store.db;
    const { owner, leaseMs } = this.mode;
    if (!(await claimScan(db, scanId, owner, leaseMs))) return;
    const scan = await db.selectFrom('scans').selectAll().where('id', '=', scanId).executeTakeFirstOrThrow();
    const heartbeat = setInterval(() => void renewScan(db, scanId, owner, leaseMs).catch(() => {}), leaseMs / 3);
    const started = Date.now();
    try {
      const source = await this.dataSources.get(scan.source_id);
      const scope: ScanScope = { ...(scan.db_name !== null && { dbName: scan.db_name }), ...(scan.table_names !== null && { tableNames: decodeTableNames(scan.table_names) }) };
      const catalogScan = new CatalogScan(db, scanId, source, scope, (progress) => db.updateTable('scans').set({ progress }).where('id', '=', scanId).execute().then(() => undefined));
      const result = await catalogScan.run(this.sandbox);
      const totals = await db
        .selectFrom('catalog_dbs')
        .select((eb) => [eb.fn.countAll<number>().as('dbs'), eb.fn.coalesce(eb.fn.sum<number>('table_num'), eb.val(0)).as('tables'), eb.fn.coalesce(eb.fn.sum<number>('partition_num'), eb.val(0)).as('partitions')])
        .where('source_id', '=', scan.source_id)
        .where('dropped', '=', 0)
        .executeTakeFirstOrThrow();
      const now = Date.now();
      if (!(await endScan(db, scanId, owner, { status: 'DONE', result: JSON.stringify(result) }, now))) return; // another process took it over
      await db.updateTable('datasources').set({ last_update_time: now, db_num: Number(totals.dbs), table_num: Number(totals.tables), partition_num: Number(totals.partitions), err_msg: null }).where('id', '=', scan.source_id).execute();
      this.log.info({ scanId, sourceId: scan.source_id, ms: now - started, added: result.added, updated: result.updated, dropped: result.dropped }, 'metadata scan done');
      // Until autovacuum comes by, a PostgreSQL store's new rows have no visibility-map bits, so the
      // partition lists' index-only scans read the heap for every entry (a page over 100,000
      // partitions: 6 → 3 ms once vacuumed).
      if (this.store.dialect === 'postgres' && result.added + result.updated + result.dropped >= BULK_CHANGE) {
        void sql`VACUUM (ANALYZE) catalog_partitions`.execute(db).catch((err) => this.log.warn({ err: (err as Error).message }, 'vacuum after the scan failed'));
      }
    } catch (err) {
      const message = (err as Error).message;
      if (!(await endScan(db, scanId, owner, { status: 'FAILED', message }))) return;
      await db.updateTable('datasources').set({ err_msg: `metadata scan ${scanId} failed: ${message}` }).where('id', '=', scan.source_id).execute();
      this.log.warn({ scanId, sourceId: scan.source_id, err: message }, 'metadata scan failed');
    } finally {
      clearInterval(heartbeat);
    }
  }
}
