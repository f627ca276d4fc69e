import type { Kysely } from 'kysely';
import { decodeColumns } from '../connectors/connector.js';
import type { Engine } from '../connectors/engines.js';
import { decodeCut } from '../connectors/cuts.js';
import { cutTag, type DataColumn, type Slice, type SliceKey } from '../connectors/data.js';
import { logicalType, openWriter, partitionSliceName, slicesAsFolders } from '../connectors/index.js';
import { decodeJobConfig } from '../jobs/config.js';
import type { Database, TaskRow } from '../store/schema.js';
import { tableKeyOf } from '../store/catalog.js';
import { DestinationGuard } from '../datasources/destination-guard.js';
import { recheckOwnFiles } from '../datasources/sharing.js';
import { setDestinationEndpoint } from '../store/datasources.js';
import { ThroughputMeter } from './throughput-meter.js';
import { batches, canBatch, copyBatch, type SizedPart } from './copy-batch.js';
import { copySlice, removeSlice } from './copy-slice.js';
import { compareSlice } from './compare-slice.js';
import { compareBatch } from './compare-batch.js';
import { checkOutsideSlices, removeOtherCuts } from './whole-table.js';
import { rereadOtherSnapshots } from './page-cuts.js';
import { sliceMark } from './change-marks.js';
import { mark, markUnfinished, recordCopied, recordRemoved } from './slice-status.js';
import type { Holder } from '../jobs/ledger/tasks.js';
import { VERIFY_ONLY } from '../jobs/config.js';
import { describe, sliceOf, StopRequested, taskLog, type TaskContext, type TaskRun } from './task-run.js';

/**
 * The destination's name of a source slice: a chunk's key range on the destination's column, a cut
 * chunk's tag, or a partition's name there (its value, or in a lake its folder: connectors/index.ts partitionSliceName).
 */
async function sliceNaming(db: Kysely<Database>, engine: Engine, task: TaskRow, columnMapping: Record<string, string>): Promise<(slice: Slice | null) => SliceKey | null> {
  const exact = !slicesAsFolders(engine) || !(await db.selectFrom('catalog_partitions').select('id').where('table_id', '=', task.table_id).where('exact', '=', 0).where('dropped', '=', 0).limit(1).executeTakeFirst());
  return (slice) => {
    if (slice === null) return null;
    // A chunk of a partition: its key range within the partition's rows (their tag).
    if (slice.range) return { ...slice.range, column: columnMapping[slice.range.column] ?? slice.range.column, ...(slice.value !== null && { tag: partitionSliceName(engine, slice.value, exact) }) };
    if (slice.cut) return cutTag(slice.cut);
    return slice.value === null ? null : partitionSliceName(engine, slice.value, exact);
  };
}

/**
 * Copies one task: ensures the destination table, then copies each slice not yet DONE (an earlier,
 * interrupted run may have done some), keeping task, task partitions and catalog statuses in step.
 * Its phases (SCHEMA, then DATA, with each slice's VERIFICATION before its commit) show in its
 * status, and its log says where each ends.
 */
export async function runTask(ctx: TaskContext, taskId: number, holder: Holder, signal: AbortSignal): Promise<void> {
  const { db } = ctx;
  const task = await db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
  const job = await db.selectFrom('jobs').selectAll().where('id', '=', task.job_id).executeTakeFirstOrThrow();
  const config = decodeJobConfig(job.config);
  const source = await ctx.dataSources.get(task.source_id);
  const table = await db.selectFrom('catalog_tables').selectAll().where('id', '=', task.table_id).executeTakeFirstOrThrow();

  // Lake partition columns live in folder names, not in the files: they are read as columns too.
  const folderColumns = decodeColumns(table.partition_columns).filter((c) => c.nativeType === 'folder');
  const columns = [...decodeColumns(table.columns), ...folderColumns].map((c) => ({ name: c.name, type: logicalType(source.type, c), native: c.nativeType }));
  // Between two of one engine the destination is offered the source's own types (DataColumn.native).
  const sameEngine = source.type === source.config.destination.type;
  const dstColumns: DataColumn[] = columns.map((c) => ({ name: config.columnMapping[c.name] ?? c.name, type: c.type, ...(sameEngine && c.native !== 'folder' ? { native: c.native } : {}) }));
  const partitioned = table.has_partitions === 1;
  // Resolved once (confined path, checked address): the writer, the ownership check and the read-back share it.
  const resolved = await ctx.sandbox.resolve(source.config.destination.type, source.config.destination, { role: 'destination', sourceId: task.source_id });
  const destination = { ...resolved.connection, type: source.config.destination.type };

  // Every reader of the task reads in its job run's snapshot (engine/snapshots.ts).
  const snapshot = ctx.sandbox.connection(source.type, source.config.source, { role: 'source', sourceId: task.source_id }).then((c) => ctx.snapshots.forTask(task, source.type, c));
  const [opened, openedWriter] = await Promise.allSettled([snapshot.then((s) => s.open()), openWriter(destination.type, destination)]);
  // Both open at once; if one failed, the other is closed before the failure is reported.
  if (opened.status === 'rejected' || openedWriter.status === 'rejected') {
    await Promise.all([opened, openedWriter].map((o) => (o.status === 'fulfilled' ? o.value.close() : null)));
    throw opened.status === 'rejected' ? opened.reason : (openedWriter as PromiseRejectedResult).reason;
  }
  const [reader, writer] = [opened.value, openedWriter.value];
  const meter = new ThroughputMeter(db, task);
  try {
    const { open: openSource, shared: concurrentReaders, note } = await snapshot;
    if (note) await taskLog(db, task.id, note.level, note.message);
    const run: TaskRun = { ctx, task, holder, phase: 'SCHEMA', config, signal, columns, dstColumns, partitioned, cut: null, key: partitioned ? null : tableKeyOf(table), lastMark: table.change_mark, sourceType: source.type, dstSlice: await sliceNaming(db, destination.type, task, config.columnMapping), destination, reader, openSource, concurrentReaders, writer, meter };
    // The destination, or what its name leads to, may have changed since the job was created, and a
    // grant may have ended with its key: the files and the table must still be this data source's to use.
    if (resolved.endpoint.key !== source.row.destination_endpoint) await setDestinationEndpoint(db, source.row.id, resolved.endpoint.key);
    await recheckOwnFiles(db, ctx.sandbox.files, { id: source.row.id, type: source.type, config: source.config, updateTime: source.row.update_time });
    const guard = new DestinationGuard(db, ctx.sandbox);
    const dstTable = { db: task.dst_db_name, table: task.dst_table_name };
    await guard.claim(source, [dstTable], { endpoint: resolved.endpoint.key });
    const all = await db
      .selectFrom('task_partitions as tp')
      .leftJoin('catalog_partitions as cp', 'cp.id', 'tp.partition_id')
      .selectAll('tp')
      .select('cp.size')
      .where('tp.task_id', '=', taskId)
      .orderBy('tp.seq')
      .execute()
      // A whole table's slice has the table's size, a partition its own, a chunk (of either) its share of it.
      .then((rows) => rows.map((p) => (p.range_key !== null || p.cut !== null ? { ...p, size: task.size } : p.partition_id === null ? { ...p, size: table.size } : p)));
    const parts = all.filter((p) => p.status !== 'DONE');
    run.cut = decodeCut(all.find((p) => p.cut !== null)?.cut ?? null)?.by ?? null;
    // A chunked table's key (its destination name) is what its chunks are replaced by.
    const key = parts.find((p) => p.range_key !== null)?.range_key ?? undefined;
    const target = `${task.dst_db_name}.${task.dst_table_name}`;
    await taskLog(db, task.id, 'INFO', config.enableSchemaMigration === false ? `check that ${target} has the ${dstColumns.length} columns copied (enableSchemaMigration is false)` : `create table if not exists ${target} (${dstColumns.length} columns), or add the columns it lacks`);
    // The source's own types (enums, composites) a same-engine destination may lack, to create there.
    const natives = columns.flatMap((c) => (c.native === undefined ? [] : [c.native]));
    const types = sameEngine && reader.typeDefinitions ? () => reader.typeDefinitions!(natives) : undefined;
    const ensured = await writer.ensureTable(task.dst_db_name, task.dst_table_name, dstColumns, partitioned || run.cut !== null, { key: key === undefined ? undefined : (config.columnMapping[key] ?? key), alter: config.enableSchemaMigration !== false, types, cutChunks: run.cut !== null });
    if (ensured) {
      for (const note of ensured.notes) await taskLog(db, task.id, 'WARN', `${target}: ${note}`);
      // Verification compares by the types the destination has (a table an older copy made may differ).
      for (const c of dstColumns) c.native = ensured.types.get(c.name) ?? c.native;
    }
    await taskLog(db, task.id, 'INFO', `the destination table ${target} is ready`, undefined, 'SCHEMA_DONE');
    // A table other data sources write too holds their partitions' rows: only its own can be told apart.
    const alone = async () => (await guard.writers(source, dstTable, resolved.endpoint.key)).size <= 1;
    if (run.cut !== null && !config.schemaOnly && config.taskType !== VERIFY_ONLY) await removeOtherCuts(run, alone);
    // The change mark its slices will record names the source table as it is now, before any row is
    // read (its reader keeps what it learns): a type changed while the task reads is new to the next increment.
    await sliceMark(run);
    for (const group of batches(parts, canBatch(run))) {
      if (signal.aborted) throw new StopRequested();
      if (group.length > 1) {
        await (group[0]!.mode === 'compare' ? compareBatch : copyBatch)(run, group, (part) => copyOne(run, part));
        continue;
      }
      await copyOne(run, group[0]!);
    }
    if (config.schemaOnly) return;
    if (run.cut === 'pages' && run.finishedTable && config.taskType !== VERIFY_ONLY) await rereadOtherSnapshots(run);
    if (config.enableVerification || config.taskType === VERIFY_ONLY) await checkOutsideSlices(run, alone);
    const { rows } = await db.selectFrom('tasks').select('rows').where('id', '=', taskId).executeTakeFirstOrThrow();
    if (config.taskType !== VERIFY_ONLY) await taskLog(db, task.id, 'INFO', `every slice of ${target} is copied: ${rows} rows`, undefined, 'DATA_DONE');
    if (config.enableVerification || config.taskType === VERIFY_ONLY) await taskLog(db, task.id, 'INFO', `every slice of ${target} matches its source${config.taskType === VERIFY_ONLY ? '' : ', verified before its commit'}`, undefined, 'VERIFICATION_DONE');
  } finally {
    await Promise.all([meter.close(), writer.close(), reader.close()]);
  }
}

/**
 * Copies one slice alone and records it: an increment's unchanged one only if its two ends differ;
 * a partition gone from the source is removed from the destination instead.
 */
async function copyOne(run: TaskRun, part: SizedPart): Promise<void> {
  await mark(run, [part], 'DOING');
  try {
    const slice = sliceOf(part);
    if (part.mode === 'remove') {
      if (!run.config.schemaOnly) await removeSlice(run, slice);
      return await recordRemoved(run, part);
    }
    const found = part.mode === 'compare' && !run.config.schemaOnly ? await compareSlice(run, slice, part.size) : null;
    if (found && 'same' in found) return await recordCopied(run, [{ part, copied: { seq: part.seq, rows: 0, bytes: 0, verification: found.same } }], [], true);
    if (found && 'patched' in found) return await recordCopied(run, [{ part, copied: { seq: part.seq, ...found.patched } }]);
    if (found) await taskLog(run.ctx.db, run.task.id, 'INFO', `${describe(slice, run.task.src_table_name)} differs from the destination: copied again`);
    const { written, bytes, verification } = await copySlice(run, slice, part.size);
    await recordCopied(run, [{ part, copied: { seq: part.seq, rows: written, bytes, verification } }]);
  } catch (err) {
    await markUnfinished(run, [part], err);
    throw err;
  }
}
