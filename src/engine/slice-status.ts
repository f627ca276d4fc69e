import type { Kysely } from 'kysely';
import { allChunksDone, runMarks, slicesDone } from '../jobs/ledger/tasks.js';
import { oldestMark, sliceMark } from './change-marks.js';
import { markUnchanged, movePartitions, moveTable } from '../store/catalog-status.js';
import type { Database, MigrationStatus, TaskPartitionRow } from '../store/schema.js';
import { checksContent, describe, sliceOf, StopRequested, taskLog, type Copied, type TaskRun } from './task-run.js';
import { VERIFY_ONLY } from '../jobs/config.js';

/**
 * The catalog status of what parts copy (their partitions, or an unpartitioned table), in the
 * caller's transaction. A table or partition copied in chunks is DONE once all its chunks are (until
 * then DOING).
 * The catalog's status is the data's: a schema-only job, which copies no rows, leaves it as it is
 * (or a later incremental job would take the rows for copied and skip them).
 */
async function markIn(tx: Kysely<Database>, run: TaskRun, parts: TaskPartitionRow[], status: MigrationStatus): Promise<void> {
  if (run.config.schemaOnly) return;
  const ids = parts.flatMap((p) => (p.partition_id === null || p.range_key !== null ? [] : [p.partition_id]));
  if (ids.length) await movePartitions(tx, ids, status);
  for (const p of parts.filter((p) => p.partition_id !== null && p.range_key !== null)) {
    const whole = status !== 'DONE' || (await allChunksDone(tx, run.ctx.dialect, run.task, p.partition_id!));
    await movePartitions(tx, [p.partition_id!], whole ? status : 'DOING');
  }
  if (run.partitioned || !parts.some((p) => p.partition_id === null)) return;
  const chunked = parts.some((p) => p.range_key !== null || p.cut !== null);
  const whole = status !== 'DONE' || !chunked || (await allChunksDone(tx, run.ctx.dialect, run.task));
  await moveTable(tx, run.task.table_id, whole ? status : 'DOING');
  if (whole && status === 'DONE' && chunked) run.finishedTable = true;
  // Made exact as a whole: the table keeps the oldest snapshot its slices were made exact in.
  if (whole && status === 'DONE') await tx.updateTable('catalog_tables').set({ updated: 0, change_mark: oldestMark(await runMarks(tx, run.task)) }).where('id', '=', run.task.table_id).execute();
}

/** Sets the catalog status of what parts copy, all in one transaction. */
export const mark = (run: TaskRun, parts: TaskPartitionRow[], status: MigrationStatus) => run.ctx.db.transaction().execute((tx) => markIn(tx, run, parts, status));

/** A copy of parts did not finish: stopped, they wait again (their copy rolled back); otherwise FAILED. */
export const markUnfinished = (run: TaskRun, parts: TaskPartitionRow[], err: unknown) => mark(run, parts, err instanceof StopRequested || run.signal.aborted ? 'INIT' : 'FAILED');

/**
 * Records a partition gone from the source as removed from the destination: its task partition
 * DONE, its catalog entry INIT (nothing of it at the destination; copied again if it comes back).
 */
export async function recordRemoved(run: TaskRun, part: TaskPartitionRow): Promise<void> {
  await slicesDone(run.ctx.db, run.task.id, [{ seq: part.seq, rows: 0, bytes: 0, verification: null }], async (tx) => {
    if (!run.config.schemaOnly && part.partition_id !== null) await movePartitions(tx, [part.partition_id], 'INIT');
  });
  await taskLog(run.ctx.db, run.task.id, 'INFO', `${describe(sliceOf(part), run.task.src_table_name)} is gone from the source: removed from ${run.task.dst_db_name}.${run.task.dst_table_name}`);
}

/**
 * Records slices copied and verified, in one transaction: their task partitions DONE with the
 * task's counters, their catalog entries DONE and no longer changed since their copy (see markIn), and `failed`
 * (copied, but not matching their source) FAILED. Then metrics and one log line (`unchanged`: an
 * increment's slice compared and found equal, nothing copied).
 */
export async function recordCopied(run: TaskRun, done: { part: TaskPartitionRow; copied: Copied }[], failed: TaskPartitionRow[] = [], unchanged = false): Promise<void> {
  const { db } = run.ctx;
  // A slice made exact and verified by its contents keeps the snapshot it was read in (engine/change-marks.ts);
  // a job that verifies nothing vouches for no snapshot (what it patched was never compared).
  const { config } = run;
  const verified = (config.enableVerification || config.taskType === VERIFY_ONLY) && checksContent(config);
  const exact = verified && done.every(({ copied }) => copied.verification?.ok === true);
  const changeMark = exact && done.length > 0 ? await sliceMark(run) : null;
  const results = done.map(({ part, copied }) => ({ ...copied, seq: part.seq, verification: copied.verification && JSON.stringify(copied.verification), changeMark }));
  await slicesDone(db, run.task.id, results, async (tx) => {
    if (!run.config.schemaOnly) await markUnchanged(tx, done.flatMap(({ part }) => (part.partition_id === null ? [] : [part.partition_id])));
    await markIn(tx, run, done.map((d) => d.part), 'DONE');
    await markIn(tx, run, failed, 'FAILED');
  });
  if (done.length === 0) return;
  const rows = done.reduce((n, d) => n + d.copied.rows, 0);
  run.ctx.metrics?.slicesCopied(run.sourceType, run.destination.type, done.length, rows, done.reduce((n, d) => n + d.copied.bytes, 0));
  const [first] = done;
  if (unchanged) {
    const compared = done.reduce((n, d) => n + (d.copied.verification?.sourceRows ?? 0), 0);
    if (done.length === 1) await taskLog(db, run.task.id, 'INFO', `${describe(sliceOf(first!.part), run.task.src_table_name)} is unchanged: its ${compared} rows match the destination's, none copied`, first!.copied.verification ?? undefined);
    else await taskLog(db, run.task.id, 'INFO', `${done.length} partitions (${first!.part.value} … ${done.at(-1)!.part.value}) are unchanged: their ${compared} rows match the destination's, none copied`);
  } else if (done.length === 1) {
    await taskLog(db, run.task.id, 'INFO', `copied ${describe(sliceOf(first!.part), run.task.src_table_name)}: ${rows} rows`, first!.copied.verification ?? undefined);
  } else {
    await taskLog(db, run.task.id, 'INFO', `copied ${done.length} partitions in one transaction (${first!.part.value} … ${done.at(-1)!.part.value}): ${rows} rows`);
  }
}
