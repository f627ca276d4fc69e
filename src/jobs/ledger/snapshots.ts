import type { Kysely } from 'kysely';
import type { Database, JobSnapshotTable } from '../../store/schema.js';

/**
 * The ledger's record of the snapshot each job run reads its source in (engine/snapshots.ts): one
 * row per run, its holder's lease, and an epoch that counts up each time a new snapshot replaces
 * one that ended. Replacing is a compare-and-set on the epoch, so two processes never both do it.
 */

export type RunSnapshot = Pick<JobSnapshotTable, 'epoch' | 'token' | 'holder' | 'lease_until'>;

export async function runSnapshot(db: Kysely<Database>, jobId: number, run: number): Promise<RunSnapshot | null> {
  return (await db.selectFrom('job_snapshots').select(['epoch', 'token', 'holder', 'lease_until']).where('job_id', '=', jobId).where('run', '=', run).executeTakeFirst()) ?? null;
}

/**
 * Records `holder`'s new snapshot for the run: the first (epoch 1), or the next after `replacing`
 * (the epoch it saw). Returns the new epoch, or null when another process recorded one first.
 */
export async function recordSnapshot(db: Kysely<Database>, jobId: number, run: number, replacing: number | null, s: { token: string | null; holder: string; leaseUntil: number }): Promise<number | null> {
  if (replacing === null) {
    const r = await db
      .insertInto('job_snapshots')
      .values({ job_id: jobId, run, epoch: 1, token: s.token, holder: s.holder, lease_until: s.leaseUntil })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0 ? 1 : null;
  }
  const r = await db
    .updateTable('job_snapshots')
    .set({ epoch: replacing + 1, token: s.token, holder: s.holder, lease_until: s.leaseUntil })
    .where('job_id', '=', jobId)
    .where('run', '=', run)
    .where('epoch', '=', replacing)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n ? replacing + 1 : null;
}

/** Extends the holder's lease on its snapshot; false when it is no longer the run's. */
export async function renewSnapshot(db: Kysely<Database>, jobId: number, run: number, epoch: number, holder: string, leaseUntil: number): Promise<boolean> {
  const r = await db.updateTable('job_snapshots').set({ lease_until: leaseUntil }).where('job_id', '=', jobId).where('run', '=', run).where('epoch', '=', epoch).where('holder', '=', holder).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** The holder let its snapshot go: nobody can join it any more (the row stays, to count epochs). */
export async function releaseSnapshot(db: Kysely<Database>, jobId: number, run: number, epoch: number, holder: string): Promise<void> {
  await db.updateTable('job_snapshots').set({ token: null, lease_until: 0 }).where('job_id', '=', jobId).where('run', '=', run).where('epoch', '=', epoch).where('holder', '=', holder).execute();
}

/** How many tasks of a run may still read the source (to run, or running), its job not stopped: 0 once it has no more work. */
export async function openTasks(db: Kysely<Database>, jobId: number, run: number): Promise<number> {
  const { n } = await db
    .selectFrom('tasks')
    .innerJoin('jobs', 'jobs.id', 'tasks.job_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tasks.job_id', '=', jobId)
    .where('tasks.run', '=', run)
    .where('tasks.status', 'in', ['INIT', 'DOING'])
    .where('jobs.stopped', '=', 0)
    .where('jobs.run', '=', run)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** The snapshot epoch a task reads in (null: one of its own). */
export async function setTaskSnapshot(db: Kysely<Database>, taskId: number, epoch: number | null): Promise<void> {
  await db.updateTable('tasks').set({ snapshot_epoch: epoch }).where('id', '=', taskId).execute();
}
