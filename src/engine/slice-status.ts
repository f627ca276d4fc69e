import type { Kysely } from 'kysely';
import { slicesDone } from '../jobs/ledger/tasks.js';
import { markUnchanged, movePartitions, moveTable } from '../store/catalog-status.js';
import type { Database, MigrationStatus, TaskPartitionRow } from '../store/schema.js';
import { StopRequested, taskLog, type Copied, type TaskRun } from './task-run.js';

/** The catalog status of what parts copy (their partitions, or an unpartitioned table), in the caller's transaction. */
async function markIn(tx: Kysely<Database>, run: TaskRun, parts: TaskPartitionRow[], status: MigrationStatus): Promise<void> {
  const ids = parts.flatMap((p) => (p.partition_id === null ? [] : [p.partition_id]));
  if (ids.length) await movePartitions(tx, ids, status);
  if (!run.partitioned && parts.some((p) => p.partition_id === null)) await moveTable(tx, run.task.table_id, status);
}

/** Sets the catalog status of what parts copy, all in one transaction. */
export const mark = (run: TaskRun, parts: TaskPartitionRow[], status: MigrationStatus) => run.ctx.db.transaction().execute((tx) => markIn(tx, run, parts, status));

/** A copy of parts did not finish: stopped, they wait again (their copy rolled back); otherwise FAILED. */
export const markUnfinished = (run: TaskRun, parts: TaskPartitionRow[], err: unknown) => mark(run, parts, err instanceof StopRequested || run.signal.aborted ? 'INIT' : 'FAILED');

/**
 * Records slices copied and verified, in one transaction: their task partitions DONE with the
 * task's counters, their catalog entries DONE and no longer changed since their copy, and `failed`
 * (copied, but not matching their source) FAILED. Then metrics and one log line.
 */
export async function recordCopied(run: TaskRun, done: { part: TaskPartitionRow; copied: Copied }[], failed: TaskPartitionRow[] = []): Promise<void> {
  const { db } = run.ctx;
  const results = done.map(({ part, copied }) => ({ ...copied, seq: part.seq, verification: copied.verification && JSON.stringify(copied.verification) }));
  await slicesDone(db, run.task.id, results, async (tx) => {
    await markUnchanged(tx, done.flatMap(({ part }) => (part.partition_id === null ? [] : [part.partition_id])));
    if (done.some(({ part }) => part.partition_id === null)) await tx.updateTable('catalog_tables').set({ updated: 0 }).where('id', '=', run.task.table_id).execute();
    await markIn(tx, run, done.map((d) => d.part), 'DONE');
    await markIn(tx, run, failed, 'FAILED');
  });
  if (done.length === 0) return;
  const rows = done.reduce((n, d) => n + d.copied.rows, 0);
  run.ctx.metrics?.slicesCopied(run.sourceType, run.destination.type, done.length, rows, done.reduce((n, d) => n + d.copied.bytes, 0));
  const [first] = done;
  if (done.length === 1) {
    await taskLog(db, run.task.id, 'INFO', `copied ${first!.part.value !== null ? `partition ${first!.part.value}` : 'table'}: ${rows} rows`, first!.copied.verification ?? undefined);
  } else {
    await taskLog(db, run.task.id, 'INFO', `copied ${done.length} partitions in one transaction (${first!.part.value} … ${done.at(-1)!.part.value}): ${rows} rows`);
  }
}
