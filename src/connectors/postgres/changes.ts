import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ChangeMark, ChangeTracking, DataColumn } from '../data.js';
import { qualified } from './connect.js';

/**
 * Rows written since a snapshot, by the transaction ids PostgreSQL keeps in every row version
 * (`xmin`). Every insert and update writes a new row version under its transaction's id, so a row
 * whose `xmin` is older than the snapshot's `xmin` (the oldest transaction then still running) was
 * written by a transaction finished before it, and is the row that snapshot saw. Everything else
 * may be new: a transaction running across the snapshot, its subtransactions (whose ids the
 * snapshot does not list), one that began after. Comparing with the snapshot's `xmin`, not its
 * full visibility, is what keeps subtransactions on the safe side.
 *
 * The mark names what it is valid for: the cluster (`system_identifier`) and its timeline (a restore
 * to an earlier point starts a new one, and reuses transaction ids), the table's oid (re-created:
 * new ids anyway, but the oid says so at once), and its columns' types with their definitions (an
 * enum label renamed or a column added with a default changes values without writing rows).
 */
export function postgresChanges(client: pg.Client, typeDefinitions: (natives: string[]) => Promise<Map<string, string>>): ChangeTracking {
  // A failed statement would end the reader's transaction: what a server lacks (pg_current_snapshot
  // before 13) or a role may not call (a managed service's control functions) is asked first.
  let usable: Promise<boolean> | undefined;
  const canTell = () =>
    (usable ??= client
      .query<{ ok: boolean }>(
        `SELECT CASE WHEN current_setting('server_version_num')::int >= 130000
           THEN has_function_privilege('pg_control_system()', 'EXECUTE') AND has_function_privilege('pg_control_checkpoint()', 'EXECUTE') ELSE false END AS ok`,
      )
      .then((r) => r.rows[0]!.ok === true));
  // Asked once per table and columns for the reader's life (a task's): an increment asks before it
  // reads, and the mark it leaves then names what was true when the reading began.
  const identities = new Map<string, Promise<string | null>>();
  const identity = (db: string, table: string, columns: DataColumn[]) => {
    const key = JSON.stringify([db, table, columns.map((c) => [c.name, c.native ?? null])]);
    let found = identities.get(key);
    if (!found) identities.set(key, (found = identityNow(db, table, columns)));
    return found;
  };
  const identityNow = async (db: string, table: string, columns: DataColumn[]) => {
    if (!(await canTell())) return null;
    const { rows } = await client.query<{ system: string; timeline: number; oid: string | null }>(
      'SELECT s.system_identifier::text AS system, c.timeline_id AS timeline, to_regclass($1)::oid::text AS oid FROM pg_control_system() s, pg_control_checkpoint() c',
      [qualified(db, table)],
    );
    const natives = columns.flatMap((c) => (c.native === undefined ? [] : [c.native]));
    const definitions = [...(await typeDefinitions(natives)).entries()].sort();
    const shape = createHash('sha256').update(JSON.stringify([columns.map((c) => [c.name, c.native ?? null]), definitions])).digest('hex').slice(0, 32);
    const { system, timeline, oid } = rows[0]!;
    return oid === null ? null : `postgres:${system}/${timeline}/${oid}/${shape}`;
  };
  /** The reader's snapshot: its xmax (what every row it sees is older than) and its xmin, as 64-bit transaction ids. */
  const snapshot = async () => {
    const { rows } = await client.query<{ xmin: string; xmax: string }>('SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax FROM pg_current_snapshot() s');
    return { xmin: BigInt(rows[0]!.xmin), xmax: BigInt(rows[0]!.xmax) };
  };
  return {
    async mark(db, table, columns): Promise<ChangeMark> {
      const id = await identity(db, table, columns);
      return { identity: id ?? '', position: id === null ? '0' : (await snapshot()).xmin.toString() };
    },
    async changedSince(db, table, columns, since) {
      const id = await identity(db, table, columns);
      if (id === null) return null;
      const { xmax } = await snapshot();
      const from = BigInt(since.position);
      // age() measures 32-bit ids back from one point per transaction: within 2^31 of it. A mark a
      // billion transactions old is not trusted (the next complete run leaves a new one).
      if (id !== since.identity || from > xmax || xmax - from >= 1n << 30n) return null;
      // A row may be new when it was written no further back than the mark. age() of a row frozen
      // long ago (its 32 bits aliasing a recent id, or wrapping negative) only errs toward "new".
      return `age(xmin) <= age('${from % (1n << 32n)}'::xid)`;
    },
  };
}
