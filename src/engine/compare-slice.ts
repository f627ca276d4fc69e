import type { KeyRange, Slice } from '../connectors/data.js';
import { writesChunks } from '../connectors/index.js';
import { VERIFY_ONLY } from '../jobs/config.js';
import { fingerprintRows } from '../verification/slice-hash.js';
import { changedSinceLastRun } from './change-marks.js';
import { copySlice, type SliceCopy } from './copy-slice.js';
import { compareWritten } from './slice-check.js';
import { comparison, describe, taskLog, verificationFailure, verifying, type Copied, type TaskRun, type Verification } from './task-run.js';
import type { KeyDifferences } from '../verification/key-diff.js';

/**
 * An increment's slice that was DONE, compared at both ends before anything moves: by the content
 * fingerprints verification uses (whatever `verify.content` says). Equal: nothing is copied. A
 * slice with an integer key (a chunk, or a table without partitions) is compared key group by key
 * group, and only the keys whose rows differ are replaced (updates, inserts and deletes alike),
 * verified before their commit like any slice. Otherwise a slice that differs is copied whole.
 * Where the source tells rows changed since the table's last complete run (engine/change-marks.ts),
 * the key groups are counted at both ends and only those that may have changed are hashed.
 */
export type Compared = { same: Verification } | { patched: Omit<Copied, 'seq'> } | { differs: true };

export async function compareSlice(run: TaskRun, slice: Slice | null, size: number | null): Promise<Compared> {
  const keyed = keyedRange(run, slice);
  if (!keyed) {
    const same = await unchangedAtBothEnds(run, slice);
    return same ? { same } : { differs: true };
  }
  const { range, span } = keyed;
  const destinationKey = run.config.columnMapping[range.column] ?? range.column;
  const found = comparison(run, slice, { keyed: { destinationLookups: await destinationLookups(run, destinationKey) } })!;
  const what = describe(slice, run.task.src_table_name);
  const changed = await changedSinceLastRun(run);
  const diff = await verifying(run, () => found.keyDifferences(range.column, destinationKey, span, changed));
  const { sourceFingerprint, destinationFingerprint } = diff;
  const counted = sourceFingerprint === null || destinationFingerprint === null;
  if (diff.counted) {
    const { groups, mayHaveChanged, hashed } = diff.counted;
    await taskLog(run.ctx.db, run.task.id, 'INFO', `${what}: ${mayHaveChanged} of ${groups} key groups may have changed since the last complete run's snapshot; ${hashed ? 'so many that every group was hashed' : 'only they were compared row by row'}`);
  }
  const counts = { slice: slice?.value ?? null, sourceRows: diff.sourceRows };
  if (diff.intervals?.length === 0) {
    return { same: { ...counts, destinationRows: diff.destinationRows, written: diff.destinationRows, ok: true, ...(counted ? {} : found.content(sourceFingerprint, destinationFingerprint)) } };
  }
  if (diff.intervals === null) return { differs: true };
  const keys = diff.added + diff.removed + diff.changed;
  await taskLog(run.ctx.db, run.task.id, 'INFO', `${what}: ${keys ? `${keys} keys differ (${diff.changed} changed, ${diff.added} new, ${diff.removed} gone)` : 'some key ranges differ'} among ${diff.sourceRows} rows: only they are replaced`);
  const patch: Slice = { value: null, location: '', spec: [], range: { ...range, only: diff.intervals } };
  const copied = await copySlice(run, patch, size);
  return { patched: { rows: copied.written, bytes: copied.bytes, verification: await afterPatch(run, slice, diff, copied) } };
}

/**
 * Whether the destination finds a few keys of `column` (its name there) through an index, built
 * where the writer can (DestinationWriter.indexForLookups): increments look up the keys that
 * changed. Not where the job may not alter the destination (enableSchemaMigration false); where
 * the destination refuses (a table this role does not own), increments read whole chunks instead.
 */
async function destinationLookups(run: TaskRun, column: string): Promise<boolean> {
  const { writer, task } = run;
  if (!writer.indexForLookups || run.config.enableSchemaMigration === false) return false;
  const target = `${task.dst_db_name}.${task.dst_table_name}`;
  const started = performance.now();
  try {
    const made = await writer.indexForLookups(task.dst_db_name, task.dst_table_name, column);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (made === 'built') await taskLog(run.ctx.db, task.id, 'INFO', `${target}: indexed ${column} for increments, which look its changed keys up (a B-tree, built in ${seconds} s)`);
    return true;
  } catch (err) {
    await taskLog(run.ctx.db, task.id, 'WARN', `${target}: could not index ${column} for increments (${(err as Error).message}): they read whole chunks to find changed keys`);
    return false;
  }
}

/**
 * The slice as a whole once its patch committed. Hashed, its destination must now hash as its
 * source did. Counted, every group but those compared row by row was found alike and the patch
 * was verified before its commit: the destination must now hold as many rows as the source, its
 * count before less the rows the patch replaced plus those its verification counted after (or,
 * where the patch's intervals are not its keys alone, counted again).
 */
async function afterPatch(run: TaskRun, slice: Slice | null, diff: KeyDifferences, copied: SliceCopy): Promise<Verification> {
  const { task, writer } = run;
  const { written } = copied;
  const counts = { slice: slice?.value ?? null, sourceRows: diff.sourceRows };
  const { sourceFingerprint, destinationFingerprint, destinationRowsReplaced: replaced } = diff;
  const verification: Verification = await verifying(run, async () => {
    if (sourceFingerprint === null || destinationFingerprint === null) {
      const inPatch = copied.verification?.destinationRows;
      const destinationRows = replaced !== null && inPatch !== undefined ? diff.destinationRows - replaced + inPatch : await writer.count(task.dst_db_name, task.dst_table_name, run.dstSlice(slice));
      return { ...counts, destinationRows, written, ok: destinationRows === counts.sourceRows };
    }
    const after = await comparison(run, slice)!.fingerprints(Promise.resolve(sourceFingerprint));
    return { ...counts, destinationRows: fingerprintRows(after.destinationFingerprint), written, ok: after.sourceFingerprint === after.destinationFingerprint, ...after };
  });
  if (!verification.ok) throw await verificationFailure(run, slice, verification);
  return verification;
}

/**
 * The key range a slice is compared by, and how many keys it spans at the last scan: a chunk's,
 * or a whole table's with a key; null where keys cannot narrow it (partitions, no integer key, a
 * destination that takes no key ranges, an engine without SQL over a slice, a verify-only job).
 */
function keyedRange(run: TaskRun, slice: Slice | null): { range: KeyRange; span: bigint } | null {
  if (!writesChunks(run.destination.type) || !run.reader.probe || !run.writer.probe || run.config.taskType === VERIFY_ONLY || !run.key) return null;
  const range = slice?.range ?? (slice === null ? { column: run.key.column, lo: null, hi: null } : null);
  if (!range) return null;
  const span = (range.hi ?? run.key.max + 1n) - (range.lo ?? run.key.min);
  return { range, span: span > 0n ? span : 1n };
}

/** A slice without a key: the fingerprints of its contents at both ends; its verification when they match, else null. */
async function unchangedAtBothEnds(run: TaskRun, slice: Slice | null): Promise<Verification | null> {
  const { task, writer } = run;
  const key = run.dstSlice(slice);
  return verifying(run, async () => {
    const written = await writer.count(task.dst_db_name, task.dst_table_name, key);
    if (written === 0) return null; // nothing there (a new destination, a lake folder never written): copy it
    const verification = await compareWritten(run, slice, writer.probe!(task.dst_db_name, task.dst_table_name, key), null, written, true);
    return verification.ok ? verification : null;
  });
}
