import type mysql from 'mysql2/promise';
import type { Connection } from '../engines.js';
import { SnapshotEnded, type SourceSnapshot } from '../data.js';
import { connectMysql } from './connect.js';
import { MysqlReader, START_SNAPSHOT } from './reader.js';

/**
 * A job's snapshot of a MySQL/MariaDB source. InnoDB shares no snapshot between sessions, so this
 * opens the sessions the job's readers will use, then starts their consistent-snapshot transactions
 * together while nothing commits: they all see the same moment. On MariaDB (10.4 and later) commits
 * alone are held back (`BACKUP STAGE BLOCK_COMMIT`): statements go on running, only their commits
 * wait the few milliseconds it takes. MySQL has no such stage: there a brief global read lock
 * (`FLUSH TABLES WITH READ LOCK`, as consistent dump tools take) holds every write back, and first
 * waits for the writes running. Either needs the RELOAD privilege. Neither may hold a live source
 * still for long: past LOCK_WAIT_S the attempt gives up, and each reader reads in a snapshot of its
 * own. The sessions live in this process: readers of other processes cannot join.
 */

/** Seconds the lock may wait for the commits (MySQL: the writes) in flight before the job gives up sharing a snapshot. */
export const LOCK_WAIT_S = 5;

/** How commits are held back while the sessions start their snapshots. */
export interface CommitLock {
  take: string[];
  release: string;
}
export const BLOCK_COMMITS: CommitLock = { take: ['BACKUP STAGE START', 'BACKUP STAGE BLOCK_COMMIT'], release: 'BACKUP STAGE END' };
export const GLOBAL_READ_LOCK: CommitLock = { take: ['FLUSH TABLES WITH READ LOCK'], release: 'UNLOCK TABLES' };

/** MySQL's answers when the user may not take the lock. */
const DENIED = new Set(['ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_ERROR']);

/** MariaDB from 10.4 on, which has backup stages. */
async function lockFor(c: mysql.Connection): Promise<CommitLock> {
  const [[row]] = await c.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
  const m = /^(\d+)\.(\d+)\.\d+-MariaDB/i.exec(String(row!.v));
  return m && Number(m[1]) * 100 + Number(m[2]) >= 1004 ? BLOCK_COMMITS : GLOBAL_READ_LOCK;
}

/** Takes the lock: null once taken, else why not (no privilege, or writes in flight past the wait). */
async function take(c: mysql.Connection, lock: CommitLock): Promise<string | null> {
  try {
    for (const statement of lock.take) await c.query(statement);
    return null;
  } catch (err) {
    await c.query(lock.release).catch(() => {});
    const code = (err as { code?: string }).code ?? '';
    if (DENIED.has(code)) return `its user lacks the RELOAD privilege ${lock.take.at(-1)} needs`;
    if (code === 'ER_LOCK_WAIT_TIMEOUT') return `${lock.take.at(-1)} waited ${LOCK_WAIT_S} s for the source's writes in flight and gave up, so as not to hold it still`;
    throw err;
  }
}

export async function openSnapshotPool(conn: Connection, size: number, lock?: CommitLock): Promise<SourceSnapshot | { none: string }> {
  const locker = await connectMysql(conn, { readOnly: true });
  let sessions: mysql.Connection[] = [];
  const endAll = () => Promise.all(sessions.map((s) => s.end().catch(() => {})));
  try {
    await locker.query(`SET SESSION lock_wait_timeout = ${LOCK_WAIT_S}`);
    const how = lock ?? (await lockFor(locker));
    // Tried once first: a user without the privilege costs the source no sessions. Then released
    // while the sessions connect, so that commits wait only while the snapshots start.
    const refused = await take(locker, how);
    if (refused !== null) return { none: refused };
    await locker.query(how.release);
    try {
      const opened = await Promise.allSettled(Array.from({ length: size }, () => connectMysql(conn, { readOnly: true })));
      sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      const failed = opened.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
      const again = await take(locker, how);
      if (again !== null) {
        await endAll();
        return { none: again };
      }
      try {
        await Promise.all(sessions.map((s) => s.query(START_SNAPSHOT)));
      } finally {
        await locker.query(how.release).catch(() => {});
      }
    } catch (err) {
      await endAll();
      throw err;
    }
  } finally {
    await locker.end().catch(() => {});
  }

  const free = [...sessions];
  let live = sessions.length;
  const waiting: { resolve: (c: mysql.Connection) => void; reject: (err: Error) => void }[] = [];
  const gone = () => new SnapshotEnded('the sessions of the job\'s MariaDB snapshot were all closed (a stop mid-read closes one)');
  const giveBack = (c: mysql.Connection | null) => {
    if (c === null && --live === 0) for (const w of waiting.splice(0)) w.reject(gone());
    if (c === null) return;
    const next = waiting.shift();
    if (next) next.resolve(c);
    else free.push(c);
  };
  return {
    async reader() {
      if (free.length === 0 && live === 0) throw gone();
      const c = free.pop() ?? (await new Promise<mysql.Connection>((resolve, reject) => waiting.push({ resolve, reject })));
      // A session left mid-result is closed; the snapshot goes on with one fewer.
      return MysqlReader.inSession(c, async (usable) => giveBack(usable ? c : null));
    },
    alive: async () => live > 0,
    close: async () => {
      await endAll();
    },
  };
}
