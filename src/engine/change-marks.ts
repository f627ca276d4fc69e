import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { decodeStored } from '../store/stored-json.js';
import type { TaskRun } from './task-run.js';

/**
 * Change marks: where the source tells which rows may have changed since a snapshot
 * (SourceReader.changes), each slice of an unpartitioned keyed table records the snapshot it was
 * made exact in; once a run made the whole table exact, the table keeps the oldest of them. The
 * next increment asks the source which rows may have changed since, and compares by key group
 * counting those, hashing only the groups that may differ (verification/key-diff.ts).
 *
 * A mark also names what the destination was then (the table, its columns and their types):
 * another target, a column added or renamed, and it no longer applies. What it cannot see is a
 * destination changed by someone else than this data source's jobs: a verify-only job hashes
 * every row.
 */
const StoredMark = Type.Object({ identity: Type.String(), position: Type.String({ pattern: '^[0-9]+$' }), shape: Type.String() });

/** The destination as this run writes it. */
function shapeOf(run: TaskRun): string {
  const { task, columns, dstColumns } = run;
  const shape = [task.dst_db_name, task.dst_table_name, columns.map((c) => c.name), dstColumns.map((c) => [c.name, c.native ?? null])];
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 32);
}

/** The mark of the snapshot this run reads in, for a slice it made exact; null where there is none to keep. */
export async function sliceMark(run: TaskRun): Promise<string | null> {
  const { reader, task } = run;
  if (run.partitioned || !run.key || !reader.changes) return null;
  const mark = await reader.changes.mark(task.src_db_name, task.src_table_name, run.columns);
  return mark.identity === '' ? null : JSON.stringify({ ...mark, shape: shapeOf(run) });
}

/**
 * The condition over the source's rows true for every row that may have changed since the table's
 * last complete run (`lastMark`); undefined where that cannot be told: the comparison hashes every row.
 */
export async function changedSinceLastRun(run: TaskRun): Promise<string | undefined> {
  const { reader, task, lastMark } = run;
  if (!reader.changes || lastMark === null) return undefined;
  const mark = decodeStored(StoredMark, lastMark, 'change mark');
  if (mark.shape !== shapeOf(run)) return undefined;
  return (await reader.changes.changedSince(task.src_db_name, task.src_table_name, run.columns, mark)) ?? undefined;
}

/**
 * The table's mark once a run made every slice of it exact: the oldest of its slices' (their
 * positions, integers, only grow), or null unless every slice has one, of one identity and shape.
 */
export function oldestMark(marks: (string | null)[]): string | null {
  if (marks.length === 0 || marks.some((m) => m === null)) return null;
  const decoded = marks.map((m) => ({ text: m!, mark: decodeStored(StoredMark, m!, 'change mark') }));
  const [first] = decoded;
  if (decoded.some(({ mark }) => mark.identity !== first!.mark.identity || mark.shape !== first!.mark.shape)) return null;
  return decoded.reduce((oldest, d) => (BigInt(d.mark.position) < BigInt(oldest.mark.position) ? d : oldest)).text;
}
