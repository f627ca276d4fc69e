import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceReader } from '../../src/connectors/data.js';
import { BLOCK_COMMITS, GLOBAL_READ_LOCK, LOCK_WAIT_S, openSnapshotPool } from '../../src/connectors/mysql/snapshot.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';

/**
 * A job's MariaDB snapshot on a source that is busy: a write statement that runs for long (here one
 * waiting for a row lock) must neither hold the snapshot back for long nor be held still by it.
 */
describe('a MariaDB snapshot beside writes in flight', () => {
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  const user = `openmms_noreload_${process.pid}`;
  let conn: { host: string; port: number; user: string; password: string; database: string };
  const sessions: mysql.Connection[] = [];
  const session = async () => {
    const s = await mysql.createConnection({ ...MARIADB, database: maria.name });
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    maria = await createMariaDatabase('openmms_snap_busy');
    await maria.admin.query(`CREATE TABLE t (id int PRIMARY KEY, v int) ENGINE=InnoDB; INSERT INTO t VALUES (1, 0), (2, 0);
      CREATE USER '${user}'@'%' IDENTIFIED BY 'pw' WITH MAX_USER_CONNECTIONS 1; GRANT SELECT ON \`${maria.name}\`.* TO '${user}'@'%';`);
    conn = { ...MARIADB, database: maria.name };
  });
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.end().catch(() => {})));
    await maria?.admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await maria?.drop();
  });

  /** A write statement that keeps running until `finish`: it waits for a row another transaction holds. */
  async function writeInFlight() {
    const [holder, blocked] = [await session(), await session()];
    await holder.query('SET SESSION innodb_lock_wait_timeout = 600');
    await blocked.query('SET SESSION innodb_lock_wait_timeout = 600');
    await holder.beginTransaction();
    await holder.query('UPDATE t SET v = v + 1 WHERE id = 1');
    const [[{ id }]] = (await blocked.query('SELECT CONNECTION_ID() AS id')) as any;
    const write = blocked.query('UPDATE t SET v = v + 10 WHERE id = 1');
    // In flight once the server shows it updating (information_schema.innodb_trx is a cache: polled often, it never changes).
    for (;;) {
      const [rows] = (await maria.admin.query("SELECT 1 FROM information_schema.processlist WHERE id = ? AND state = 'Updating'", [id])) as any;
      if (rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return { write, finish: () => holder.commit() };
  }

  const readAll = async (reader: SourceReader) => {
    let sum = 0;
    for await (const batch of reader.read(maria.name, 't', [{ name: 'v', type: { kind: 'int32' } } as never], null)) for (const [v] of batch) sum += Number(v);
    return sum;
  };

  it('MariaDB holds back commits only: the snapshot opens while a write runs, and sees no commit made after it', async () => {
    const { write, finish } = await writeInFlight();
    let settled = false;
    void write.then(() => (settled = true));
    const snapshot = await openSnapshotPool(conn, 3);
    expect(settled).toBe(false);
    if ('none' in snapshot) throw new Error(snapshot.none);
    try {
      await finish();
      await write;
      // Every session of the snapshot sees both updates undone: it started before they committed.
      const sums = await Promise.all([0, 1, 2].map(() => snapshot.reader().then(async (r) => {
        try {
          return await readAll(r);
        } finally {
          await r.close();
        }
      })));
      expect(sums).toEqual([0, 0, 0]);
      const [[now]] = (await maria.admin.query('SELECT SUM(v) AS s FROM t')) as any;
      expect(Number(now.s)).toBe(11);
    } finally {
      await snapshot.close();
    }
  });

  it(`MySQL's global read lock waits for the write at most ${LOCK_WAIT_S} s, then the job reads without a shared snapshot and says why`, async () => {
    const { write, finish } = await writeInFlight();
    const snapshot = await openSnapshotPool(conn, 2, GLOBAL_READ_LOCK);
    expect(snapshot).toEqual({ none: `FLUSH TABLES WITH READ LOCK waited ${LOCK_WAIT_S} s for the source's writes in flight and gave up, so as not to hold it still` });
    // Nothing is left holding the source: the write goes on, and others write too.
    await finish();
    await write;
    await maria.admin.query('UPDATE t SET v = v + 100 WHERE id = 2');
  });

  // The user may hold one session: a pool session opened beside the locker would be refused.
  it('a user without RELOAD gets no shared snapshot, and no sessions are opened for one', async () => {
    const sessions = async () => ((await maria.admin.query('SELECT id FROM information_schema.processlist WHERE user = ?', [user])) as any)[0].length;
    for (const lock of [BLOCK_COMMITS, GLOBAL_READ_LOCK]) {
      const snapshot = await openSnapshotPool({ ...conn, user, password: 'pw' }, 4, lock);
      expect(snapshot).toEqual({ none: `its user lacks the RELOAD privilege ${lock.take.at(-1)} needs` });
      // The locker's quit is sent; the server drops its thread a moment later.
      await expect.poll(sessions).toBe(0);
    }
  });
});
