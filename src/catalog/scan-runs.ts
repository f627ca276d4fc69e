import { Type } from '@sinclair/typebox';
import { expressionBuilder, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { decodeStored } from '../store/stored-json.js';
import type { ScanResult } from './scan.js';

/**
 * Who runs a scan: like a task, the process that claims it holds a lease it renews while it
 * scans. A process that dies (SIGKILL, a crash, a restart) stops renewing, and once the lease
 * lapses any process may take the scan over and run it again (a scan's catalog writes are upserts).
 */

/** New, or held by a lease that lapsed: the one rule the dispatcher's offers and the claim share. */
function claimable(now: number) {
  const eb = expressionBuilder<Database, 'scans'>();
  return eb.or([eb('status', '=', 'INIT'), eb.and([eb('status', '=', 'DOING'), eb('lease_until', '<', now)])]);
}

/** The scans a process may claim now. */
export function claimableScans(db: Kysely<Database>, now = Date.now()) {
  return db.selectFrom('scans').select(['id', 'source_id']).where(claimable(now)).orderBy('id');
}

/** Takes a scan for `owner`; false when it is not claimable (running elsewhere, or ended). */
export async function claimScan(db: Kysely<Database>, scanId: number, owner: string, leaseMs: number, now = Date.now()): Promise<boolean> {
  const r = await db
    .updateTable('scans')
    .set({ status: 'DOING', lease_owner: owner, lease_until: now + leaseMs, start_time: now })
    .where('id', '=', scanId)
    .where(claimable(now))
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Extends the lease; false when another process took the scan over. */
export async function renewScan(db: Kysely<Database>, scanId: number, owner: string, leaseMs: number, now = Date.now()): Promise<boolean> {
  const r = await db.updateTable('scans').set({ lease_until: now + leaseMs }).where('id', '=', scanId).where('lease_owner', '=', owner).where('status', '=', 'DOING').executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Records how the scan ended, if `owner` still holds it. */
export async function endScan(
  db: Kysely<Database>,
  scanId: number,
  owner: string,
  end: { status: 'DONE'; result: string } | { status: 'FAILED'; message: string },
  now = Date.now(),
): Promise<boolean> {
  const set = end.status === 'DONE' ? { status: 'DONE' as const, progress: 100, result: end.result } : { status: 'FAILED' as const, err_msg: end.message };
  const r = await db
    .updateTable('scans')
    .set({ ...set, end_time: now, lease_owner: null, lease_until: null })
    .where('id', '=', scanId)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

const Literals = <T extends string>(...values: T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Count = Type.Integer({ minimum: 0 });
const ScanResultSchema = Type.Object({
  databases: Count, tables: Count, partitions: Count, added: Count, updated: Count, dropped: Count,
  changes: Type.Array(Type.Object({ object: Literals('db', 'table', 'partition'), name: Type.String(), change: Literals('added', 'updated', 'dropped') })),
  changesTruncated: Type.Boolean(),
});
const TableNames = Type.Array(Type.String());

/** A scan row's result column (its summary). */
export const decodeScanResult = (text: string): ScanResult => decodeStored(ScanResultSchema, text, 'scan result');

/** A scan row's table_names column (the tables it was asked to scan). */
export const decodeTableNames = (text: string): string[] => decodeStored(TableNames, text, 'scan table list');
