import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database, TaskPhase } from '../../store/schema.js';
import { rollUpJob } from './jobs.js';
import { lockingRows } from '../../store/sql.js';
import { addTaskLog, type TaskLine } from '../../store/tasks.js';

/**
 * The ledger's task rows after the claim: a slice done, how a run of the task ended, leases,
 * crash recovery, RetryMmsTask. A cluster worker passes its lease owner: once another worker has
 * taken the task over (the lease lapsed), nothing this one writes changes the task any more.
 */

type Store = 'sqlite' | 'postgres';

/** The holder of a claimed task: a cluster worker's lease owner, or null in the embedded mode. */
export type Holder = string | null;

const heldBy = (holder: Holder) => (eb: ExpressionBuilder<Database, 'tasks'>) => (holder === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', holder));

/** What copying and verifying one slice found. */
export interface SliceResult {
  seq: number;
  rows: number;
  bytes: number;
  verification: string | null;
  /** engine/change-marks.ts: the snapshot the slice was made exact in, where the source tells changes. */
  changeMark?: string | null;
}

/**
 * Slices copied and verified (one, or a batch that committed together): their task partitions DONE
 * and the task's counters, with `alongside` (the catalog's statuses and flags) in the same
 * transaction. Counted once, whoever copied them: a slice copied again (by a worker that had lost
 * its lease) replaced the same rows, and is not counted twice.
 */
export async function slicesDone(db: Kysely<Database>, taskId: number, results: SliceResult[], alongside: (tx: Kysely<Database>) => Promise<void>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const counted = { slices: 0, rows: 0, bytes: 0 };
    // One statement for the batch, not one per slice: on a PostgreSQL store each is a round trip (50 a batch of small partitions).
    const bySeq = <T>(value: (r: SliceResult) => T, type: 'bigint' | 'text') =>
      sql<T>`case ${sql.ref('seq')} ${sql.join(results.map((r) => sql`when ${r.seq} then cast(${value(r)} as ${sql.raw(type)})`), sql` `)} end`;
    const updated = results.length
      ? await tx
          .updateTable('task_partitions')
          .set({ status: 'DONE', rows: bySeq((r) => r.rows, 'bigint'), verification: bySeq((r) => r.verification, 'text'), change_mark: bySeq((r) => r.changeMark ?? null, 'text') })
          .where('task_id', '=', taskId)
          .where('seq', 'in', results.map((r) => r.seq))
          .where('status', '!=', 'DONE')
          .returning('seq')
          .execute()
      : [];
    const done = new Set(updated.map((u) => u.seq));
    for (const r of results) {
      if (!done.has(r.seq)) continue;
      counted.slices++;
      counted.rows += r.rows;
      counted.bytes += r.bytes;
    }
    if (counted.slices > 0) {
      await tx
        .updateTable('tasks')
        .set((eb) => ({
          partitions_done: eb('partitions_done', '+', counted.slices),
          rows: eb('rows', '+', counted.rows),
          bytes: eb('bytes', '+', counted.bytes),
          update_time: Date.now(),
        }))
        .where('id', '=', taskId)
        .execute();
    }
    await alongside(tx);
  });
}

/**
 * Whether every chunk of a chunked table (or of one partition of it) that `task`'s job run copies is
 * DONE (the caller's own chunk included, recorded in the same transaction): only then is the table
 * (or partition). The table's catalog row is locked first, so chunks ending at once on several
 * workers decide one after the other.
 */
export async function allChunksDone(tx: Kysely<Database>, dialect: Store, task: RunOfTable, partitionId?: number): Promise<boolean> {
  await lockingRows(dialect, tx.selectFrom('catalog_tables').select('id').where('id', '=', task.table_id)).execute();
  const slices = partitionId === undefined ? slicesOfTable(tx, task) : slicesOfTable(tx, task).where('tp.partition_id', '=', partitionId);
  const open = await slices.select('tp.task_id').where('tp.status', '!=', 'DONE').limit(1).executeTakeFirst();
  return open === undefined;
}

/** The change marks of a run's slices of a table (null where a slice has none). */
export async function runMarks(tx: Kysely<Database>, task: RunOfTable): Promise<(string | null)[]> {
  return (await slicesOfTable(tx, task).select('tp.change_mark').execute()).map((r) => r.change_mark);
}

/** The cut chunks of a run's tasks of a table: each one's cut (JSON, task_partitions.cut), task, and the snapshot epoch its task read in. */
export async function runCuts(db: Kysely<Database>, task: RunOfTable): Promise<{ cut: string; taskId: number; epoch: number | null }[]> {
  const rows = await slicesOfTable(db, task).select(['tp.cut', 't.id', 't.snapshot_epoch']).where('tp.cut', 'is not', null).execute();
  return rows.map((r) => ({ cut: r.cut!, taskId: r.id, epoch: r.snapshot_epoch }));
}

type RunOfTable = { job_id: number; run: number; table_id: number };

/** The task partitions of a job run's tasks of one table. */
const slicesOfTable = (tx: Kysely<Database>, task: RunOfTable) =>
  tx.selectFrom('task_partitions as tp').innerJoin('tasks as t', 't.id', 'tp.task_id').where('t.job_id', '=', task.job_id).where('t.run', '=', task.run).where('t.table_id', '=', task.table_id);

/** How a run of a task ended. */
export type TaskEnd =
  | { status: 'DONE' }
  /** Stopped: back in the queue (its slice in flight rolled back). */
  | { status: 'STOPPED' }
  /** Failed: `retryAt` puts it back in the queue for then; without it, FAILED. */
  | { status: 'FAILED'; attempts: number; message: string; retryAt: number | null };

/**
 * Records how a run ended, then rolls the job up. False (and nothing written) when the holder no
 * longer holds the task: another worker took it over. `line`, the log line that says how it
 * ended, is written with its end.
 */
export async function endTask(db: Kysely<Database>, dialect: Store, taskId: number, jobId: number, holder: Holder, end: TaskEnd, line?: TaskLine, now = Date.now()): Promise<boolean> {
  const set =
    end.status === 'DONE'
      ? { status: 'DONE' as const, phase: null, end_time: now }
      : end.status === 'STOPPED'
        ? { status: 'INIT' as const, phase: null }
        : end.retryAt === null
          ? { status: 'FAILED' as const, attempts: end.attempts, err_msg: end.message, next_attempt_time: null, end_time: now } // the phase it failed in stays
          : { status: 'INIT' as const, phase: null, attempts: end.attempts, err_msg: end.message, next_attempt_time: end.retryAt, end_time: null };
  const retried = end.status === 'FAILED' && end.retryAt !== null;
  const ended = await db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable('tasks')
      .set((eb) => ({ ...set, lease_owner: null, lease_until: null, update_time: now, ...(retried && { retries: eb('retries', '+', 1) }) }))
      .where('id', '=', taskId)
      .where('status', '=', 'DOING')
      .where(heldBy(holder))
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) return false;
    if (line) await addTaskLog(tx, taskId, line, now);
    return true;
  });
  // After the line: whoever sees the job end finds the line that says why.
  if (ended) await rollUpJob(db, dialect, jobId);
  return ended;
}

/** The task (DOING, still the holder's) enters the next phase of its work. */
export async function enterPhase(db: Kysely<Database>, taskId: number, holder: Holder, phase: TaskPhase, now = Date.now()): Promise<void> {
  await db.updateTable('tasks').set({ phase, update_time: now }).where('id', '=', taskId).where('status', '=', 'DOING').where(heldBy(holder)).execute();
}

/** Extends a worker's lease; false when it lost it (the task ended, or another worker took it over). */
export async function renewLease(db: Kysely<Database>, taskId: number, owner: string, ms: number, now = Date.now()): Promise<boolean> {
  const r = await db.updateTable('tasks').set({ lease_until: now + ms }).where('id', '=', taskId).where('lease_owner', '=', owner).where('status', '=', 'DOING').executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/**
 * The embedded mode's crash recovery: tasks and task partitions a dead process left DOING go back
 * to the queue (their slice in flight never committed). Only where this process is the only one
 * that runs tasks.
 */
export async function requeueInterrupted(db: Kysely<Database>): Promise<void> {
  await db.updateTable('task_partitions').set({ status: 'INIT' }).where('status', '=', 'DOING').execute();
  await db.updateTable('tasks').set({ status: 'INIT', phase: null, lease_owner: null, lease_until: null }).where('status', '=', 'DOING').execute();
}

/** RetryMmsTask: a FAILED task back in the queue with fresh attempts; false when it is no longer FAILED. */
export async function requeueFailedTask(db: Kysely<Database>, taskId: number, now = Date.now()): Promise<boolean> {
  const r = await db
    .updateTable('tasks')
    .set((eb) => ({ status: 'INIT', phase: null, attempts: 0, retries: eb('retries', '+', 1), err_msg: null, next_attempt_time: null, update_time: now }))
    .where('id', '=', taskId)
    .where('status', '=', 'FAILED')
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
