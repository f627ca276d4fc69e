import type { Kysely } from 'kysely';
import { formatSpec } from '../connectors/partition-spec.js';
import { SLICE_FOLDER_KEY } from '../connectors/lake/layout.js';
import { decodeColumns } from '../connectors/connector.js';
import type { Slice, SliceKey } from '../connectors/data.js';
import type { Engine } from '../connectors/engines.js';
import { logicalType, openReader, openWriter } from '../connectors/index.js';
import { decodeJobConfig } from '../jobs/config.js';
import type { Database, TaskRow } from '../store/schema.js';
import { DestinationGuard } from '../datasources/destination-guard.js';
import { recheckOwnFiles } from '../datasources/sharing.js';
import { setDestinationEndpoint } from '../store/datasources.js';
import { ThroughputMeter } from './throughput-meter.js';
import { batches, canBatch, copyBatch, type SizedPart } from './copy-batch.js';
import { copySlice } from './copy-slice.js';
import { mark, markUnfinished, recordCopied } from './slice-status.js';
import { sliceOf, StopRequested, type TaskContext, type TaskRun } from './task-run.js';

/**
 * The destination's name of a source slice: its value, or in a lake, for a table with a partition
 * that is not one value of its column, a folder of its own key (lake/layout.ts SLICE_FOLDER_KEY).
 */
async function sliceNaming(db: Kysely<Database>, engine: Engine, task: TaskRow): Promise<(slice: Slice | null) => SliceKey | null> {
  const inexact = engine === 'LAKE' && (await db.selectFrom('catalog_partitions').select('id').where('table_id', '=', task.table_id).where('exact', '=', 0).where('dropped', '=', 0).limit(1).executeTakeFirst());
  return (slice) => (slice === null ? null : inexact ? formatSpec([[SLICE_FOLDER_KEY, slice.value!]]) : slice.value);
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
  const resolved = await ctx.sandbox.resolve(source.config.destination.type, source.config.destination, { role: 'destination', sourceId: task.source_id });
  const destination = { ...resolved.connection, type: source.config.destination.type };

  const sourceConnection = ctx.sandbox.connection(source.type, source.config.source, { role: 'source', sourceId: task.source_id });
  const [opened, openedWriter] = await Promise.allSettled([
    sourceConnection.then((c) => openReader(source.type, c)),
    openWriter(destination.type, destination),
  ]);
  // Both open at once; if one failed, the other is closed before the failure is reported.
  if (opened.status === 'rejected' || openedWriter.status === 'rejected') {
    await Promise.all([opened, openedWriter].map((o) => (o.status === 'fulfilled' ? o.value.close() : null)));
    throw opened.status === 'rejected' ? opened.reason : (openedWriter as PromiseRejectedResult).reason;
  }
  const [reader, writer] = [opened.value, openedWriter.value];
  const meter = new ThroughputMeter(db, task);
  try {
    const openSource = async () => openReader(source.type, await sourceConnection);
    const run: TaskRun = { ctx, task, config, signal, columns, dstColumns, partitioned, sourceType: source.type, dstSlice: await sliceNaming(db, destination.type, task), destination, reader, openSource, writer, meter };
    // The destination, or what its name leads to, may have changed since the job was created, and a
    // grant may have ended with its key: the files and the table must still be this data source's to use.
    if (resolved.endpoint.key !== source.row.destination_endpoint) await setDestinationEndpoint(db, source.row.id, resolved.endpoint.key);
    await recheckOwnFiles(db, ctx.sandbox.files, { id: source.row.id, type: source.type, config: source.config, updateTime: source.row.update_time });
    await new DestinationGuard(db, ctx.sandbox).claim(source, [{ db: task.dst_db_name, table: task.dst_table_name }], { endpoint: resolved.endpoint.key });
    await writer.ensureTable(task.dst_db_name, task.dst_table_name, dstColumns, partitioned);
    const parts = await db
      .selectFrom('task_partitions as tp')
      .leftJoin('catalog_partitions as cp', 'cp.id', 'tp.partition_id')
      .selectAll('tp')
      .select('cp.size')
      .where('tp.task_id', '=', taskId)
      .where('tp.status', '!=', 'DONE')
      .orderBy('tp.seq')
      .execute()
      // A whole table's slice has the table's size.
      .then((rows) => rows.map((p) => (p.partition_id === null ? { ...p, size: table.size } : p)));
    for (const group of batches(parts, canBatch(run))) {
      if (signal.aborted) throw new StopRequested();
      if (group.length > 1) {
        await copyBatch(run, group);
        continue;
      }
      await copyOne(run, group[0]!);
    }
  } finally {
    await Promise.all([meter.close(), writer.close(), reader.close()]);
  }
}

/** Copies one slice alone and records it. */
async function copyOne(run: TaskRun, part: SizedPart): Promise<void> {
  await mark(run, [part], 'DOING');
  try {
    const { written, bytes, verification } = await copySlice(run, sliceOf(part), part.size);
    await recordCopied(run, [{ part, copied: { seq: part.seq, rows: written, bytes, verification } }]);
  } catch (err) {
    await markUnfinished(run, [part], err);
    throw err;
  }
}
