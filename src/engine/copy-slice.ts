import { SLICE_COLUMN, type Row, type Slice } from '../connectors/data.js';
import { openReader } from '../connectors/index.js';
import { VERIFY_ONLY } from '../jobs/config.js';
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

/** Copies (or, for a verify-only job, only checks) one slice; throws VerificationFailed on a mismatch. */
export async function copySlice(run: TaskRun, slice: Slice | null): Promise<{ written: number; bytes: number; verification: Verification | null }> {
  const { task, config, reader, writer } = run;
  const verifyOnly = config.taskType === VERIFY_ONLY;
  const sourceSum = switchOf(config.others, 'verify.checksum') ? new Checksum(run.columns) : null;
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
    // Same-engine fast path when no value needs to be seen on the way (a checksum does).
    const from = { db: task.src_db_name, table: task.src_table_name };
    const watch = { signal: run.signal, progress: (rows: number, n: number) => run.meter.add(rows, n) };
    const fast = !sourceSum && writer.takesFrom?.(reader, run.columns) ? await writer.replaceFrom!(reader, from, [{ slice, key: run.dstSlice(slice) }], task.dst_db_name, task.dst_table_name, run.columns, run.dstColumns, watch) : null;
    if (fast) bytes = fast.bytes;
    written = fast ? fast.rows : await writer.replace(task.dst_db_name, task.dst_table_name, run.dstColumns, run.dstSlice(slice), sourceRows());
  }
  if (config.schemaOnly || !(config.enableVerification || verifyOnly)) return { written, bytes, verification: null };

  // The source count comes from the source engine, never from what the writer reports.
  const sourceCount = await reader.count(task.src_db_name, task.src_table_name, slice);
  const destinationCount = await writer.count(task.dst_db_name, task.dst_table_name, run.dstSlice(slice));
  const verification: Verification = { slice: slice?.value ?? null, sourceRows: sourceCount, destinationRows: destinationCount, written, ok: sourceCount === destinationCount };
  if (!verification.ok) throw await verificationFailure(run, slice, verification);
  // Content, as each engine itself computes it.
  const content = checksContent(config) ? comparison(run, slice) : null;
  if (content) {
    Object.assign(verification, await content.fingerprints());
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
