import type { Kysely } from 'kysely';
import { formatSpec, parseSpec } from '../connectors/partition-spec.js';
import { SLICE_FOLDER_KEY } from '../connectors/lake/layout.js';
import { decodeColumns } from '../connectors/connector.js';
import { SLICE_COLUMN, type DataColumn, type DestinationWriter, type Row, type Slice, type SliceKey, type SourceReader } from '../connectors/data.js';
import type { Connection, Engine } from '../connectors/engines.js';
import { logicalType, openReader, openWriter } from '../connectors/index.js';
import type { DataSourceService } from '../datasources/service.js';
import { decodeJobConfig, VERIFY_ONLY, type JobConfig } from '../jobs/config.js';
import { setPartitionStatus, setTableStatus } from '../store/catalog-status.js';
import type { Database, MigrationStatus, TaskRow } from '../store/schema.js';
import { Checksum } from './checksum.js';
import { SliceComparison, type ContentFingerprints } from '../verification/compare.js';
import type { Sandbox } from '../security/sandbox.js';
import { DestinationGuard } from '../datasources/destination-guard.js';
import { ThroughputMeter } from './throughput-meter.js';
import { sliceDone } from '../jobs/ledger/tasks.js';

export interface TaskContext {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  dataSources: DataSourceService;
  /** Resolves every connection before it is opened (confined paths, checked hosts). */
  sandbox: Sandbox;
  metrics?: EngineMetrics;
}

/** How a task run ended, for metrics. */
export type TaskOutcome = { status: 'done' | 'stopped' } | { status: 'retry' | 'failed'; kind: 'verification' | 'transient' | 'permanent' };

/** What the engine reports as it works (Prometheus in metrics/metrics.ts). */
export interface EngineMetrics {
  sliceCopied(sourceType: string, destinationType: string, rows: number, bytes: number): void;
  taskEnded(outcome: TaskOutcome, seconds: number): void;
}

/** Thrown into a copy when its job is stopped: the slice in flight rolls back, nothing is marked failed. */
export class StopRequested extends Error {
  override name = 'StopRequested';
}

/** A slice whose copy does not match its source: permanent, and named. */
export class VerificationFailed extends Error {
  override name = 'VerificationFailed';
}

/** What a slice's verification found, kept on its task partition. */
interface Counts {
  slice: string | null;
  sourceRows: number;
  destinationRows: number;
  written: number;
  ok: boolean;
  sourceChecksum?: string;
  destinationChecksum?: string;
}

/** A slice's verification with the engines' own content fingerprints (verification/compare.ts). */
type Verification = Counts & Partial<ContentFingerprints>;

/** `others` switches: a true/false the caller may send as JSON or as text. */
const switchOf = (others: Record<string, unknown>, key: string): boolean | undefined =>
  others[key] === true || others[key] === 'true' ? true : others[key] === false || others[key] === 'false' ? false : undefined;

export async function taskLog(db: Kysely<Database>, taskId: number, level: 'INFO' | 'WARN' | 'ERROR', message: string, data?: unknown) {
  await db.insertInto('task_logs').values({ task_id: taskId, time: Date.now(), level, message, data: data === undefined ? null : JSON.stringify(data) }).execute();
}

/** Bytes a batch carries, roughly as it travels (for progress, not for billing). */
function batchBytes(batch: Row[]): number {
  let n = 0;
  for (const r of batch) for (const v of r) n += v === null ? 1 : typeof v === 'string' ? v.length : Buffer.isBuffer(v) ? v.length : 8;
  return n;
}

/** Where a source slice lives at the destination, for reading it back: a folder in a lake, rows tagged with SLICE_COLUMN elsewhere. */
function destinationSlice(run: TaskRun, slice: Slice | null): Slice | null {
  if (!slice) return null;
  return run.destination.type === 'LAKE' ? { ...slice, location: run.dstSlice(slice)! } : { ...slice, column: SLICE_COLUMN };
}

/**
 * The destination's name of a source slice: its value, or in a lake, for a table with a partition
 * that is not one value of its column, a folder of its own key (lake/layout.ts SLICE_FOLDER_KEY).
 */
async function sliceNaming(db: Kysely<Database>, engine: Engine, task: TaskRow): Promise<(slice: Slice | null) => SliceKey | null> {
  const inexact = engine === 'LAKE' && (await db.selectFrom('catalog_partitions').select('id').where('table_id', '=', task.table_id).where('exact', '=', 0).where('dropped', '=', 0).limit(1).executeTakeFirst());
  return (slice) => (slice === null ? null : inexact ? formatSpec([[SLICE_FOLDER_KEY, slice.value!]]) : slice.value);
}

const describe = (slice: Slice | null, table: string) => (slice ? `partition ${slice.value}` : `table ${table}`);

/** Everything the slices of one task share. */
interface TaskRun {
  ctx: TaskContext;
  task: TaskRow;
  config: JobConfig;
  signal: AbortSignal;
  columns: DataColumn[];
  dstColumns: DataColumn[];
  sourceType: Engine;
  /** The destination's name of a slice (sliceNaming). */
  dstSlice: (slice: Slice | null) => SliceKey | null;
  /** The destination as the sandbox resolved it (see runTask). */
  destination: Connection & { type: Engine };
  reader: SourceReader;
  writer: DestinationWriter;
  /** Rows and bytes read from the source, for the job's throughput chart. */
  meter: ThroughputMeter;
}

/** Passes batches on, stopping at the next batch once the job is stopped. */
async function* guarded(run: TaskRun, batches: AsyncIterable<Row[]>, onBatch: (b: Row[]) => void): AsyncGenerator<Row[]> {
  for await (const batch of batches) {
    if (run.signal.aborted) throw new StopRequested();
    onBatch(batch);
    yield batch;
  }
}

/**
 * Copies one task: ensures the destination table, then copies each slice not yet DONE (an earlier,
 * interrupted run may have done some), keeping task, task partitions and catalog statuses in step.
 */
export async function runTask(ctx: TaskContext, taskId: number, signal: AbortSignal): Promise<void> {
  const { db } = ctx;
  const task = await db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
  const job = await db.selectFrom('jobs').selectAll().where('id', '=', task.job_id).executeTakeFirstOrThrow();
  const config = decodeJobConfig(job.config);
  const source = await ctx.dataSources.get(task.source_id);
  const table = await db.selectFrom('catalog_tables').selectAll().where('id', '=', task.table_id).executeTakeFirstOrThrow();

  // Lake partition columns live in folder names, not in the files: they are read as columns too.
  const folderColumns = decodeColumns(table.partition_columns).filter((c) => c.nativeType === 'folder');
  const columns = [...decodeColumns(table.columns), ...folderColumns].map((c) => ({ name: c.name, type: logicalType(source.type, c), native: c.nativeType }));
  const dstColumns = columns.map((c) => ({ name: config.columnMapping[c.name] ?? c.name, type: c.type }));
  const partitioned = table.has_partitions === 1;
  // Resolved once (confined path, checked address): the writer, the ownership check and the read-back share it.
  const destination = { ...(await ctx.sandbox.connection(source.config.destination.type, source.config.destination, { role: 'destination', sourceId: task.source_id })), type: source.config.destination.type };

  const reader = await openReader(source.type, await ctx.sandbox.connection(source.type, source.config.source, { role: 'source', sourceId: task.source_id }));
  try {
    const writer = await openWriter(destination.type, destination);
    const meter = new ThroughputMeter(db, task);
    try {
      const run: TaskRun = { ctx, task, config, signal, columns, dstColumns, sourceType: source.type, dstSlice: await sliceNaming(db, destination.type, task), destination, reader, writer, meter };
      // The destination may have changed since the job was created: the table must still be this data source's to write.
      await new DestinationGuard(db, ctx.sandbox).claim(source, [{ db: task.dst_db_name, table: task.dst_table_name }], { resolved: destination });
      await writer.ensureTable(task.dst_db_name, task.dst_table_name, dstColumns, partitioned);
      const parts = await db.selectFrom('task_partitions').selectAll().where('task_id', '=', taskId).where('status', '!=', 'DONE').orderBy('seq').execute();
      for (const part of parts) {
        if (signal.aborted) throw new StopRequested();
        const slice: Slice | null = part.value === null ? null : { value: part.value, location: part.location, spec: parseSpec(part.value) };
        const mark = (status: MigrationStatus) =>
          part.partition_id !== null ? setPartitionStatus(db, part.partition_id, status) : partitioned ? Promise.resolve() : setTableStatus(db, task.table_id, status);
        await mark('DOING');
        try {
          const { written, bytes, verification } = await copySlice(run, slice);
          await sliceDone(db, taskId, part.seq, { rows: written, bytes, verification: verification && JSON.stringify(verification) }, async (tx) => {
            // Copied: the source no longer differs from the destination.
            if (part.partition_id !== null) await tx.updateTable('catalog_partitions').set({ updated: 0 }).where('id', '=', part.partition_id).execute();
            else await tx.updateTable('catalog_tables').set({ updated: 0 }).where('id', '=', task.table_id).execute();
          });
          await mark('DONE');
          ctx.metrics?.sliceCopied(source.type, destination.type, written, bytes);
          await taskLog(db, taskId, 'INFO', `copied ${slice ? `partition ${slice.value}` : 'table'}: ${written} rows`, verification ?? undefined);
        } catch (err) {
          await mark(err instanceof StopRequested ? 'INIT' : 'FAILED');
          throw err;
        }
      }
    } finally {
      await meter.close();
      await writer.close();
    }
  } finally {
    await reader.close();
  }
}

/** The slice's two ends, compared by the engines themselves; null where an engine offers no SQL over a slice. */
function comparison(run: TaskRun, slice: Slice | null): SliceComparison | null {
  const { task, reader, writer } = run;
  if (!reader.probe || !writer.probe) return null;
  return new SliceComparison(
    { engine: run.sourceType, probe: reader.probe(task.src_db_name, task.src_table_name, run.columns, slice), columns: run.columns },
    { engine: run.destination.type, probe: writer.probe(task.dst_db_name, task.dst_table_name, run.dstSlice(slice)), columns: run.dstColumns },
  );
}

/** Copies (or, for a verify-only job, only checks) one slice; throws VerificationFailed on a mismatch. */
async function copySlice(run: TaskRun, slice: Slice | null): Promise<{ written: number; bytes: number; verification: Verification | null }> {
  const { task, config, reader, writer } = run;
  const verifyOnly = config.taskType === VERIFY_ONLY;
  const sourceSum = switchOf(config.others, 'verify.checksum') ? new Checksum(run.columns) : null;
  let bytes = 0;
  const sourceRows = () =>
    guarded(run, reader.read(task.src_db_name, task.src_table_name, run.columns, slice, { zeroDatesAsNull: switchOf(config.others, 'mysql.zeroDatesAsNull') === true }), (b) => {
      const n = batchBytes(b);
      bytes += n;
      run.meter.add(b.length, n);
      sourceSum?.add(b);
    });

  let written = 0;
  if (verifyOnly) {
    written = await writer.count(task.dst_db_name, task.dst_table_name, run.dstSlice(slice));
    if (sourceSum) for await (const _ of sourceRows()); // the source's checksum; nothing is copied
  } else if (!config.schemaOnly) {
    // Same-engine fast path when no value needs to be seen on the way (a checksum does).
    const from = { db: task.src_db_name, table: task.src_table_name, slice };
    const fast = sourceSum ? null : await writer.replaceFrom?.(reader, from, task.dst_db_name, task.dst_table_name, run.columns, run.dstColumns, run.dstSlice(slice), { signal: run.signal, progress: (rows, n) => run.meter.add(rows, n) });
    if (fast) bytes = fast.bytes;
    written = fast ? fast.rows : await writer.replace(task.dst_db_name, task.dst_table_name, run.dstColumns, run.dstSlice(slice), sourceRows());
  }
  if (config.schemaOnly || !(config.enableVerification || verifyOnly)) return { written, bytes, verification: null };

  // The source count comes from the source engine, never from what the writer reports.
  const sourceCount = await reader.count(task.src_db_name, task.src_table_name, slice);
  const destinationCount = await writer.count(task.dst_db_name, task.dst_table_name, run.dstSlice(slice));
  const verification: Verification = { slice: slice?.value ?? null, sourceRows: sourceCount, destinationRows: destinationCount, written, ok: sourceCount === destinationCount };
  // Content, as each engine itself computes it (on unless `others: {"verify.content": false}`).
  const content = switchOf(config.others, 'verify.content') === false ? null : comparison(run, slice);
  if (!verification.ok) {
    // Which rows: best effort (a destination without the slice at all has nothing to bisect).
    const rows = await content?.firstDifferences().catch(() => null);
    throw new VerificationFailed(`verification failed for ${describe(slice, task.src_table_name)}: the source has ${sourceCount} rows, the destination ${destinationCount}${rows ? `; ${rows}` : ''}`);
  }
  if (content) {
    const found = await content.fingerprints();
    Object.assign(verification, found);
    if (found.sourceFingerprint !== found.destinationFingerprint) {
      const rows = await content.firstDifferences();
      throw new VerificationFailed(
        `verification failed for ${describe(slice, task.src_table_name)}: the row counts match but the contents differ (${rows ?? `the engines' fingerprints: ${found.sourceFingerprint} at the source, ${found.destinationFingerprint} at the destination`})`,
      );
    }
  }
  if (sourceSum) {
    // Read the slice back from the destination and compare contents, not just counts.
    const destinationSum = new Checksum(run.columns);
    const back = await openReader(run.destination.type, run.destination);
    try {
      const rows = back.read(task.dst_db_name, task.dst_table_name, run.dstColumns, destinationSlice(run, slice));
      for await (const b of guarded(run, rows, () => {})) destinationSum.add(b);
    } finally {
      await back.close();
    }
    Object.assign(verification, { sourceChecksum: sourceSum.value, destinationChecksum: destinationSum.value });
    if (sourceSum.value !== destinationSum.value) {
      throw new VerificationFailed(
        `verification failed for ${describe(slice, task.src_table_name)}: the row counts match but the contents differ (checksum ${sourceSum.value} at the source, ${destinationSum.value} at the destination)`,
      );
    }
  }
  return { written, bytes, verification };
}
