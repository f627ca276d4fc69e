import type { Kysely } from 'kysely';
import { parseSpec } from '../catalog/partition-spec.js';
import type { ColumnMeta } from '../connectors/connector.js';
import { SLICE_COLUMN, type DataColumn, type Row, type Slice } from '../connectors/data.js';
import type { Engine } from '../connectors/engines.js';
import { Checksum } from './checksum.js';
import { logicalType, openReader, openWriter } from '../connectors/index.js';
import type { DataSourceService } from '../datasources/service.js';
import type { JobConfig } from '../jobs/service.js';
import { setPartitionStatus, setTableStatus } from '../store/catalog-status.js';
import type { Database } from '../store/schema.js';

export interface TaskContext {
  db: Kysely<Database>;
  dataSources: DataSourceService;
  dataDir: string;
}

/** MMS's verification-only task type: compare each slice with its source, copy nothing. */
export const VERIFY_ONLY = 'MC2MC_VERIFY';

/** Thrown into a copy when its job is stopped: the slice in flight rolls back, nothing is marked failed. */
export class StopRequested extends Error {
  override name = 'StopRequested';
}

/** A slice whose copy does not match its source: permanent, and named. */
export class VerificationFailed extends Error {
  override name = 'VerificationFailed';
}

export async function taskLog(db: Kysely<Database>, taskId: number, level: 'INFO' | 'WARN' | 'ERROR', message: string, data?: unknown) {
  await db.insertInto('task_logs').values({ task_id: taskId, time: Date.now(), level, message, data: data === undefined ? null : JSON.stringify(data) }).execute();
}

/** Bytes a batch carries, roughly as it travels (for progress, not for billing). */
function batchBytes(batch: Row[]): number {
  let n = 0;
  for (const r of batch) for (const v of r) n += v === null ? 1 : typeof v === 'string' ? v.length : Buffer.isBuffer(v) ? v.length : 8;
  return n;
}

/**
 * Copies one task: ensures the destination table, then each slice atomically (writer.replace),
 * verifies it against a count made by the source engine, and marks it DONE in the task and the
 * catalog. Slices already DONE (an earlier, interrupted run) are skipped.
 */
export async function runTask(ctx: TaskContext, taskId: number, signal: AbortSignal): Promise<void> {
  const { db } = ctx;
  const task = await db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
  const job = await db.selectFrom('jobs').selectAll().where('id', '=', task.job_id).executeTakeFirstOrThrow();
  const config = JSON.parse(job.config) as JobConfig;
  const source = await ctx.dataSources.get(task.source_id);
  const table = await db.selectFrom('catalog_tables').selectAll().where('id', '=', task.table_id).executeTakeFirstOrThrow();

  const cols = JSON.parse(table.columns) as ColumnMeta[];
  const folderColumns = (JSON.parse(table.partition_columns) as ColumnMeta[]).filter((c) => c.nativeType === 'folder');
  const columns: DataColumn[] = [...cols, ...folderColumns].map((c) => ({ name: c.name, type: logicalType(source.type, c) }));
  const dstColumns = columns.map((c) => ({ name: config.columnMapping[c.name] ?? c.name, type: c.type }));
  const partitioned = table.has_partitions === 1;

  const destination = source.config.destination;
  const withChecksum = config.others['verify.checksum'] === true || config.others['verify.checksum'] === 'true';
  const reader = await openReader(source.type, source.config.source, ctx.dataDir);
  try {
    const writer = await openWriter(destination.type, destination, ctx.dataDir);
    try {
      await writer.ensureTable(task.dst_db_name, task.dst_table_name, dstColumns, partitioned);
      const slices = await db.selectFrom('task_partitions').selectAll().where('task_id', '=', taskId).where('status', '!=', 'DONE').orderBy('seq').execute();
      for (const part of slices) {
        if (signal.aborted) throw new StopRequested();
        const slice: Slice | null = part.value === null ? null : { value: part.value, location: part.location, spec: parseSpec(part.value) };
        const mark = (status: 'INIT' | 'DOING' | 'DONE' | 'FAILED') =>
          part.partition_id === null ? (partitioned ? Promise.resolve() : setTableStatus(db, task.table_id, status)) : setPartitionStatus(db, part.partition_id, status);
        await mark('DOING');
        let bytes = 0;
        try {
          let written = 0;
          const verifyOnly = config.taskType === VERIFY_ONLY;
          const sourceSum = withChecksum ? new Checksum(columns) : null;
          const stream = (batches: AsyncIterable<Row[]>, onBatch: (b: Row[]) => void) =>
            (async function* () {
              for await (const batch of batches) {
                if (signal.aborted) throw new StopRequested();
                onBatch(batch);
                yield batch;
              }
            })();
          const sourceRows = () => stream(reader.read(task.src_db_name, task.src_table_name, columns, slice), (b) => {
            bytes += batchBytes(b);
            sourceSum?.add(b);
          });
          if (verifyOnly) {
            written = await writer.count(task.dst_db_name, task.dst_table_name, slice?.value ?? null);
            if (sourceSum) for await (const _ of sourceRows()); // the source's checksum, copying nothing
          } else if (!config.schemaOnly) {
            written = await writer.replace(task.dst_db_name, task.dst_table_name, dstColumns, slice?.value ?? null, sourceRows());
          }
          let verification = (config.enableVerification || verifyOnly) && !config.schemaOnly ? await verify(reader, writer, task, slice, written) : null;
          if (verification && sourceSum) {
            // Read the slice back from the destination and compare contents, not just counts.
            const destinationSum = new Checksum(columns);
            const back = await openReader(destination.type, destination, ctx.dataDir);
            try {
              for await (const b of stream(back.read(task.dst_db_name, task.dst_table_name, dstColumns, destinationSlice(destination.type, slice)), () => {})) destinationSum.add(b);
            } finally {
              await back.close();
            }
            verification = { ...verification, sourceChecksum: sourceSum.value, destinationChecksum: destinationSum.value };
            if (sourceSum.value !== destinationSum.value) {
              throw new VerificationFailed(`verification failed for ${slice ? `partition ${slice.value}` : `table ${task.src_table_name}`}: the row counts match but the contents differ (checksum ${sourceSum.value} at the source, ${destinationSum.value} at the destination)`);
            }
          }
          await db.transaction().execute(async (tx) => {
            await tx.updateTable('task_partitions').set({ status: 'DONE', rows: written, verification: verification && JSON.stringify(verification) }).where('task_id', '=', taskId).where('seq', '=', part.seq).execute();
            await tx
              .updateTable('tasks')
              .set((eb) => ({ partitions_done: eb('partitions_done', '+', 1), rows: eb('rows', '+', written), bytes: eb('bytes', '+', bytes), update_time: Date.now() }))
              .where('id', '=', taskId)
              .execute();
          });
          await mark('DONE');
          if (part.partition_id !== null) await db.updateTable('catalog_partitions').set({ updated: 0 }).where('id', '=', part.partition_id).execute();
          else await db.updateTable('catalog_tables').set({ updated: 0 }).where('id', '=', task.table_id).execute();
          await taskLog(db, taskId, 'INFO', `copied ${slice ? `partition ${slice.value}` : 'table'}: ${written} rows`, verification ?? undefined);
        } catch (err) {
          await mark(err instanceof StopRequested ? 'INIT' : 'FAILED');
          throw err;
        }
      }
    } finally {
      await writer.close();
    }
  } finally {
    await reader.close();
  }
}

/** Where a source slice lives at the destination: a folder in a lake, rows tagged with SLICE_COLUMN elsewhere. */
function destinationSlice(engine: Engine, slice: Slice | null): Slice | null {
  if (!slice) return null;
  return engine === 'LAKE' ? { ...slice, location: slice.value! } : { ...slice, column: SLICE_COLUMN };
}

/** What a slice's verification found, kept on its task partition. */
interface Verification {
  slice: string | null;
  sourceRows: number;
  destinationRows: number;
  written: number;
  ok: boolean;
  sourceChecksum?: string;
  destinationChecksum?: string;
}

async function verify(
  reader: { count(db: string, table: string, slice: Slice | null): Promise<number> },
  writer: { count(db: string, table: string, slice: string | null): Promise<number> },
  task: { src_db_name: string; src_table_name: string; dst_db_name: string; dst_table_name: string },
  slice: Slice | null,
  written: number,
): Promise<Verification> {
  const sourceRows = await reader.count(task.src_db_name, task.src_table_name, slice);
  const destinationRows = await writer.count(task.dst_db_name, task.dst_table_name, slice?.value ?? null);
  const result: Verification = { slice: slice?.value ?? null, sourceRows, destinationRows, written, ok: sourceRows === destinationRows };
  if (!result.ok) {
    throw new VerificationFailed(
      `verification failed for ${slice ? `partition ${slice.value}` : `table ${task.src_table_name}`}: the source has ${sourceRows} rows, the destination ${destinationRows}`,
    );
  }
  return result;
}
