import type { Kysely } from 'kysely';
import type { Connection, Engine } from '../connectors/engines.js';
import { SnapshotEnded, type SourceReader, type SourceSnapshot } from '../connectors/data.js';
import { openReader, snapshotSupport } from '../connectors/index.js';
import { recordSnapshot, releaseSnapshot, openTasks, renewSnapshot, runSnapshot, setTaskSnapshot } from '../jobs/ledger/snapshots.js';
import { DEFAULT_LEASE_MS } from '../store/leases.js';
import type { Database } from '../store/schema.js';

/**
 * One snapshot per job run: every reader of every task of a run reads its source as of one moment,
 * so a job over related tables lands them consistent with each other, and a source that keeps
 * taking writes is copied and verified exactly as of that moment.
 *
 * The first process that needs a run's snapshot opens it and holds it (a lease in the store,
 * renewed by `tick`) while the run has work; readers in that process read in it, and readers in
 * other processes join it by its token where the engine allows (PostgreSQL). A process that cannot
 * join (the holder died, the engine has no token) opens the next one: the run's epoch counts up, and
 * the tasks that read in it say so in their logs. Engines without shared snapshots (files) read each
 * task in a snapshot of its own, and say that too.
 */

/** How a task's readers are opened, and what their snapshot covers. */
export interface TaskSnapshot {
  open(): Promise<SourceReader>;
  /** The run's snapshot the task reads in; null: not the run's. */
  epoch: number | null;
  /** Whether readers `open` gives share one snapshot (else each reads in its own). */
  shared: boolean;
  /** What the task's snapshot does not cover, for its log: a snapshot of its own (INFO), or not the one its job started with (WARN). */
  note: { level: 'INFO' | 'WARN'; message: string } | null;
}

interface Held {
  jobId: number;
  run: number;
  /** null: this process's own, beside the run's snapshot another process holds (the engine cannot share it across processes). */
  epoch: number | null;
  snapshot: SourceSnapshot;
}

export class SnapshotRegistry {
  private readonly held = new Map<string, Held>();
  /** Opening one per run at a time: a run's tasks starting together share it. */
  private readonly opening = new Map<string, Promise<TaskSnapshot>>();
  private lastTick = -Infinity;

  constructor(
    private readonly db: Kysely<Database>,
    /** This process, as the holder of the snapshots it opens. */
    private readonly owner: string,
    /** Readers the process may have open at once (a task's reader and its second one). */
    private readonly readers: number,
    /** How long a snapshot's lease lasts unrenewed. */
    private readonly leaseMs = DEFAULT_LEASE_MS,
  ) {}

  /** How often `tick` renews and checks, however often it is called (the runner calls it on every pass, twice a second or more). */
  private get tickMs(): number {
    return this.leaseMs / 5;
  }

  /** The task's snapshot: its run's (held here, joined, or opened), or one of its own where the engine has none to share. */
  async forTask(task: { id: number; job_id: number; run: number }, engine: Engine, conn: Connection): Promise<TaskSnapshot> {
    const key = `${task.job_id}/${task.run}`;
    let pending = this.opening.get(key);
    if (!pending) {
      pending = this.resolve(task.job_id, task.run, engine, conn).finally(() => this.opening.delete(key));
      this.opening.set(key, pending);
    }
    const found = await pending;
    await setTaskSnapshot(this.db, task.id, found.epoch);
    return found;
  }

  private async resolve(jobId: number, run: number, engine: Engine, conn: Connection): Promise<TaskSnapshot> {
    const support = snapshotSupport(engine);
    if (!support) return { open: () => openReader(engine, conn), epoch: null, shared: false, note: { level: 'INFO', message: `${engine} gives no snapshot tasks share: this table is read in a snapshot of its own` } };
    for (;;) {
      const held = this.held.get(`${jobId}/${run}`);
      if (held) return this.fromHeld(held);
      const now = Date.now();
      const recorded = await runSnapshot(this.db, jobId, run);
      if (recorded?.token && recorded.lease_until >= now && support.join) {
        const token = recorded.token;
        const probe = await support.join(conn, token);
        if (probe) {
          await probe.close();
          const open = async () => (await support.join!(conn, token)) ?? Promise.reject(new SnapshotEnded(`the job's snapshot ${token} ended while the task ran; it will read in a new one`));
          const message = later(recorded.epoch);
          return { open, epoch: recorded.epoch, shared: true, note: message === null ? null : { level: 'WARN', message } };
        }
      }
      // Sessions for the readers the run can have at once (two a task), where each is a session of its own (MariaDB).
      const snapshot = await support.open(conn, Math.min(this.readers, 2 * Math.max(1, await openTasks(this.db, jobId, run))));
      if ('none' in snapshot) {
        const message = `the ${engine} source gives this job no shared snapshot (${snapshot.none}; see docs/API.md "Snapshots"): this table is read in a snapshot of its own`;
        return { open: () => openReader(engine, conn), epoch: null, shared: false, note: { level: 'WARN', message } };
      }
      // Another live process holds the run's snapshot, and it cannot be joined from here: this process
      // reads in its own beside it. A joinable one that could not be joined has ended: it is replaced.
      const elsewhere = recorded !== null && recorded.lease_until >= now && !(support.join && recorded.token);
      const epoch = elsewhere ? null : await recordSnapshot(this.db, jobId, run, recorded?.epoch ?? null, { token: snapshot.token ?? null, holder: this.owner, leaseUntil: now + this.leaseMs });
      if (!elsewhere && epoch === null) {
        await snapshot.close(); // another process recorded one meanwhile: join that one
        continue;
      }
      const mine = { jobId, run, epoch, snapshot };
      this.held.set(`${jobId}/${run}`, mine);
      return this.fromHeld(mine);
    }
  }

  private fromHeld(h: Held): TaskSnapshot {
    const message = h.epoch === null ? "this table is read in a snapshot this process opened: the job's is held by another process, and the engine shares it with none" : later(h.epoch);
    const open = async () => {
      try {
        return await h.snapshot.reader();
      } catch (err) {
        // Its session ended (the source dropped it): let it go, so the task's next try opens the run's next one.
        if (err instanceof SnapshotEnded || !(await h.snapshot.alive())) {
          await this.evict(h);
          throw err instanceof SnapshotEnded ? err : new SnapshotEnded(`the job's snapshot ended while the task ran (${(err as Error).message}); it will read in a new one`);
        }
        throw err;
      }
    };
    return { open, epoch: h.epoch, shared: true, note: message === null ? null : { level: 'WARN', message } };
  }

  private async evict(h: Held): Promise<void> {
    const key = `${h.jobId}/${h.run}`;
    if (this.held.get(key) === h) await this.let(key, h);
  }

  /**
   * Renews the leases of the snapshots held here, and lets go of those whose run has no more work
   * or that ended. A store that cannot answer now leaves them as they are until the next tick.
   */
  async tick(now = Date.now()): Promise<void> {
    if (now - this.lastTick < this.tickMs) return;
    this.lastTick = now;
    for (const [key, h] of this.held) {
      if (this.opening.has(key)) continue;
      try {
        const keep = (await h.snapshot.alive()) && (await openTasks(this.db, h.jobId, h.run)) > 0 && (h.epoch === null || (await renewSnapshot(this.db, h.jobId, h.run, h.epoch, this.owner, now + this.leaseMs)));
        if (!keep) await this.let(key, h);
      } catch {
        // the store is unreachable: the lease runs on, the next tick tries again
      }
    }
  }

  /** A task of the job ended: the job's snapshots are let go at once if its run has no more work (they hold sessions at the source). */
  async taskEnded(jobId: number): Promise<void> {
    for (const [key, h] of this.held) if (h.jobId === jobId && !this.opening.has(key) && (await openTasks(this.db, h.jobId, h.run)) === 0) await this.let(key, h);
  }

  /** Lets go of a job's snapshots (it was stopped: its next run of tasks reads in a new one). */
  async release(jobId: number): Promise<void> {
    for (const [key, h] of this.held) if (h.jobId === jobId) await this.let(key, h);
  }

  async close(): Promise<void> {
    for (const [key, h] of this.held) await this.let(key, h);
  }

  private async let(key: string, h: Held): Promise<void> {
    this.held.delete(key);
    await h.snapshot.close();
    if (h.epoch !== null) await releaseSnapshot(this.db, h.jobId, h.run, h.epoch, this.owner).catch(() => {});
  }
}

/** A run's snapshot after its first: what that means for the tables read in it. */
const later = (epoch: number) =>
  epoch > 1 ? `this table is read in the job's snapshot number ${epoch}: the one it started with ended (its holder stopped, or the job was stopped and started again), so it shows a later moment than tables read before` : null;
