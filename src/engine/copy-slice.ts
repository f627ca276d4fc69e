import { NotTaken, SLICE_COLUMN, type Row, type Slice } from '../connectors/data.js';
import { openReader } from '../connectors/index.js';
import { VERIFY_ONLY } from '../jobs/config.js';
import type { SliceComparison } from '../verification/compare.js';
import { Checksum } from './checksum.js';
import { checksContent, comparison, describe, guarded, switchOf, verificationFailure, VerificationFailed, type TaskRun, type Verification } from './task-run.js';

/** Bytes a batch carries, roughly as it travels (for progress, not for billing). */
function batchBytes(batch: Row[]): number {
  let n = 0;
  for (const r of batch) for (const v of r) n += v === null ? 1 : typeof v === 'string' ? v.length : Buffer.isBuffer(v) ? v.length : 8;
  return n;
}

/** Where a source slice lives at the destination, for reading it back: a folder in a lake, rows tagged with SLICE_COLUMN elsewhere. */
function destinationSlice(run: TaskRun, slice: Slice | null): Slice | null {
  if (!slice) return null;
  return run.destination.type === 'LAKE' ? { ...slice, location: run.dstSlice(slice)! } : { ...slice, column: SLICE_COLUMN };
}

/** Slices at least this large (catalog bytes) have their source side verified while they copy. */
export const AHEAD_BYTES = 16 * 1024 ** 2;

/** The source's count and fingerprint of a slice, being read on a connection of their own. */
interface SourceAhead {
  count: Promise<number>;
  content: SliceComparison;
  fingerprint: Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts reading the source's side of a slice's verification beside its copy, so that the source
 * engine hashes while the destination loads instead of after it. Like the reads after a copy, it is
 * not the copy's own snapshot: a source that changes meanwhile fails verification, never passes it.
 * Only server engines: an embedded file would be opened twice in one process.
 */
async function readAhead(run: TaskRun, slice: Slice | null): Promise<SourceAhead | null> {
  const { task } = run;
  if (run.sourceType !== 'POSTGRESQL' && run.sourceType !== 'MYSQL') return null;
  const reader = await run.openSource();
  const content = comparison(run, slice, reader);
  if (!content) {
    await reader.close();
    return null;
  }
  const count = reader.count(task.src_db_name, task.src_table_name, slice);
  const fingerprint = content.sourceFingerprint();
  // Awaited after the copy; a copy that fails first must not leave them unhandled.
  count.catch(() => {});
  fingerprint.catch(() => {});
  return { count, content, fingerprint, close: () => reader.close() };
}

/**
 * Copies (or, for a verify-only job, only checks) one slice of `size` catalog bytes; throws
 * VerificationFailed on a mismatch.
 */
export async function copySlice(run: TaskRun, slice: Slice | null, size: number | null): Promise<{ written: number; bytes: number; verification: Verification | null }> {
  const { config } = run;
  const verifyOnly = config.taskType === VERIFY_ONLY;
  const sourceSum = switchOf(config.others, 'verify.checksum') ? new Checksum(run.columns) : null;
  const ahead = !verifyOnly && !sourceSum && !config.schemaOnly && config.enableVerification && checksContent(config) && (size ?? 0) >= AHEAD_BYTES ? await readAhead(run, slice) : null;
  try {
    return await copyAndVerify(run, slice, verifyOnly, sourceSum, ahead);
  } finally {
    await ahead?.close();
  }
}

async function copyAndVerify(run: TaskRun, slice: Slice | null, verifyOnly: boolean, sourceSum: Checksum | null, ahead: SourceAhead | null): Promise<{ written: number; bytes: number; verification: Verification | null }> {
  const { task, config, reader, writer } = run;
  let bytes = 0;
  const sourceRows = () =>
    guarded(run, reader.read(task.src_db_name, task.src_table_name, run.columns, slice, { zeroDatesAsNull: switchOf(config.others, 'mysql.zeroDatesAsNull') === true }), (b) => {
      const n = batchBytes(b);
      bytes += n;
      run.meter.add(b.length, n);
      sourceSum?.add(b);
    });

  let written = 0;
  if (verifyOnly) {
    written = await writer.count(task.dst_db_name, task.dst_table_name, run.dstSlice(slice));
    if (sourceSum) for await (const _ of sourceRows()); // the source's checksum; nothing is copied
  } else if (!config.schemaOnly) {
    // The engines' own bulk path when no value needs to be seen on the way (a checksum does).
    const from = { db: task.src_db_name, table: task.src_table_name };
    const watch = { signal: run.signal, progress: (rows: number, n: number) => run.meter.add(rows, n) };
    const fast = !sourceSum && writer.takesFrom?.(reader, run.columns)
      ? await writer.replaceFrom!(reader, from, [{ slice, key: run.dstSlice(slice) }], task.dst_db_name, task.dst_table_name, run.columns, run.dstColumns, watch).catch((err) => {
          if (err instanceof NotTaken) return null; // nothing written; its progress so far is counted twice
          throw err;
        })
      : null;
    if (fast) bytes = fast.bytes;
    written = fast ? fast.rows : await writer.replace(task.dst_db_name, task.dst_table_name, run.dstColumns, run.dstSlice(slice), sourceRows());
  }
  if (config.schemaOnly || !(config.enableVerification || verifyOnly)) return { written, bytes, verification: null };

  // The source count comes from the source engine, never from what the writer reports.
  const [sourceCount, destinationCount] = await Promise.all([ahead?.count ?? reader.count(task.src_db_name, task.src_table_name, slice), writer.count(task.dst_db_name, task.dst_table_name, run.dstSlice(slice))]);
  const verification: Verification = { slice: slice?.value ?? null, sourceRows: sourceCount, destinationRows: destinationCount, written, ok: sourceCount === destinationCount };
  if (!verification.ok) throw await verificationFailure(run, slice, verification);
  // Content, as each engine itself computes it.
  const content = ahead?.content ?? (checksContent(config) ? comparison(run, slice) : null);
  if (content) {
    Object.assign(verification, await content.fingerprints(ahead?.fingerprint));
    if (verification.sourceFingerprint !== verification.destinationFingerprint) throw await verificationFailure(run, slice, verification);
  }
  if (sourceSum) {
    // Read the slice back from the destination and compare contents, not just counts.
    const destinationSum = new Checksum(run.columns);
    const back = await openReader(run.destination.type, run.destination);
    try {
      const rows = back.read(task.dst_db_name, task.dst_table_name, run.dstColumns, destinationSlice(run, slice));
      for await (const b of guarded(run, rows, () => {})) destinationSum.add(b);
    } finally {
      await back.close();
    }
    Object.assign(verification, { sourceChecksum: sourceSum.value, destinationChecksum: destinationSum.value });
    if (sourceSum.value !== destinationSum.value) {
      throw new VerificationFailed(
        `verification failed for ${describe(slice, task.src_table_name)}: the row counts match but the contents differ (checksum ${sourceSum.value} at the source, ${destinationSum.value} at the destination)`,
      );
    }
  }
  return { written, bytes, verification };
}
