import { NotTaken, SLICE_COLUMN, type BeforeCommit, type Row, type Slice } from '../connectors/data.js';
import { openReader, slicesAsFolders } from '../connectors/index.js';
import { switchOf, VERIFY_ONLY } from '../jobs/config.js';
import { Checksum } from './checksum.js';
import { BESIDE_BYTES, checkWritten, countedSource, sourceBeside, type SourceBeside } from './slice-check.js';
import { checksContent, describe, enter, guarded, StopRequested, VerificationFailed, verifying, type TaskRun, type Verification } from './task-run.js';

/** Bytes a batch carries, roughly as it travels (for progress, not for billing). */
function batchBytes(batch: Row[]): number {
  let n = 0;
  for (const r of batch) for (const v of r) n += v === null ? 1 : typeof v === 'string' ? v.length : Buffer.isBuffer(v) ? v.length : 8;
  return n;
}

/** Where a source slice lives at the destination, for reading it back: a chunk's key range, a lake's folder, or rows tagged with SLICE_COLUMN. */
function destinationSlice(run: TaskRun, slice: Slice | null): Slice | null {
  const key = run.dstSlice(slice);
  if (!slice || key === null) return null;
  if (typeof key !== 'string') return { ...slice, range: key };
  return slicesAsFolders(run.destination.type) ? { ...slice, location: key } : { ...slice, column: SLICE_COLUMN };
}

/** What copying a slice wrote, and its verification (null where the job verifies nothing). */
export type SliceCopy = { written: number; bytes: number; verification: Verification | null };

/**
 * Copies (or, for a verify-only job, only checks) one slice of `size` catalog bytes, verified before
 * its rows are committed (slice-check.ts); throws VerificationFailed on a mismatch, the slice rolled back.
 */
export async function copySlice(run: TaskRun, slice: Slice | null, size: number | null): Promise<SliceCopy> {
  const { config } = run;
  const verifyOnly = config.taskType === VERIFY_ONLY;
  const sourceSum = switchOf(config.others, 'verify.checksum') ? new Checksum(run.columns) : null;
  const verifies = !config.schemaOnly && (config.enableVerification || verifyOnly);
  if (!config.schemaOnly) await enter(run, verifyOnly ? 'VERIFICATION' : 'DATA');
  // The engines' own bulk path, when no value needs to be seen on the way (a checksum does).
  const bulk = !sourceSum && !!run.writer.takesFrom?.(run.reader, run.columns, run.dstColumns);
  // Counts only, that path counts the source's rows itself (CopyWatch.sourceRows): no second count beside it.
  const countedByCopy = bulk && !checksContent(config);
  const beside = verifies && !verifyOnly && !countedByCopy && run.concurrentReaders && (size ?? 0) >= BESIDE_BYTES ? await sourceBeside(run, slice) : null;
  try {
    const copied = verifyOnly ? await checkOnly(run, slice, beside, sourceSum) : await run.meter.slice(() => copyChecked(run, slice, verifies ? beside : undefined, sourceSum, bulk));
    if (sourceSum && copied.verification) Object.assign(copied.verification, await verifying(run, () => readBack(run, slice, sourceSum)));
    return copied;
  } finally {
    await beside?.close();
  }
}

/** A partition gone from the source: its rows deleted at the destination (in a lake, its folder), atomically. */
export async function removeSlice(run: TaskRun, slice: Slice | null): Promise<void> {
  const { task, writer } = run;
  const key = run.dstSlice(slice);
  if (writer.removeSlice) return writer.removeSlice(task.dst_db_name, task.dst_table_name, key);
  await writer.replace(task.dst_db_name, task.dst_table_name, run.dstColumns, key, (async function* () {})());
}

/** A verify-only job's slice: the destination as committed, against the source (and its rows read through `sourceSum`). */
async function checkOnly(run: TaskRun, slice: Slice | null, beside: SourceBeside | null, sourceSum: Checksum | null): Promise<SliceCopy> {
  const { task, writer, reader } = run;
  if (sourceSum) for await (const b of guarded(run, reader.read(task.src_db_name, task.src_table_name, run.columns, slice), () => {})) sourceSum.add(b);
  const written = await writer.count(task.dst_db_name, task.dst_table_name, run.dstSlice(slice));
  return { written, bytes: 0, verification: await verifying(run, () => checkWritten(run, slice, writer.probe!(task.dst_db_name, task.dst_table_name, run.dstSlice(slice)), beside, written)) };
}

/** Copies the slice (`bulk`: by the engines' bulk path first); `beside` (undefined: no verification) is its source side read beside the copy, if any. */
async function copyChecked(run: TaskRun, slice: Slice | null, beside: SourceBeside | null | undefined, sourceSum: Checksum | null, bulk: boolean): Promise<SliceCopy> {
  const { task, config, reader, writer } = run;
  let bytes = 0;
  let verification: Verification | null = null;
  let rowsSeen = 0;
  // The source engine's count of what its bulk output held, where it said (a count-only check takes it).
  let sourceRows: number | null = null;
  const check: BeforeCommit | undefined = beside === undefined ? undefined : async (written) => {
    verification = await verifying(run, async () => {
      await run.ctx.faults?.beforeCheck?.(written, task);
      return checkWritten(run, slice, written, beside ?? (sourceRows === null ? null : countedSource(sourceRows)), rowsSeen);
    });
    // Stopped while it was checked: the slice rolls back rather than commit.
    if (run.signal.aborted) throw new StopRequested();
  };
  if (config.schemaOnly) return { written: 0, bytes, verification };
  const from = { db: task.src_db_name, table: task.src_table_name };
  const watch = { signal: run.signal, progress: (rows: number, n: number) => {
    rowsSeen += rows;
    run.meter.add(rows, n);
  }, sourceRows: (rows: number) => void (sourceRows = rows) };
  const fast = bulk
    ? await writer.replaceFrom!(reader, from, [{ slice, key: run.dstSlice(slice) }], task.dst_db_name, task.dst_table_name, run.columns, run.dstColumns, watch, check).catch((err) => {
        if (err instanceof NotTaken) {
          run.meter.discard(); // nothing written: what it counted is counted again on the other path
          return null;
        }
        throw err;
      })
    : null;
  if (fast) return { written: fast.rows, bytes: fast.bytes, verification };
  [rowsSeen, sourceRows] = [0, null];
  const rows = guarded(run, reader.read(task.src_db_name, task.src_table_name, run.columns, slice, { zeroDatesAsNull: switchOf(config.others, 'mysql.zeroDatesAsNull') === true }), (b) => {
    const n = batchBytes(b);
    bytes += n;
    rowsSeen += b.length;
    run.meter.add(b.length, n);
    sourceSum?.add(b);
  });
  const written = await writer.replace(task.dst_db_name, task.dst_table_name, run.dstColumns, run.dstSlice(slice), rows, check);
  return { written, bytes, verification };
}

/**
 * `others: {"verify.checksum": true}`: OpenMMS's own read-back of the slice once committed, its
 * checksum against the one of the rows it read (a second opinion beside the engines' fingerprints).
 */
async function readBack(run: TaskRun, slice: Slice | null, sourceSum: Checksum): Promise<Pick<Verification, 'sourceChecksum' | 'destinationChecksum'>> {
  const { task } = run;
  const destinationSum = new Checksum(run.columns);
  const back = await openReader(run.destination.type, run.destination);
  try {
    const rows = back.read(task.dst_db_name, task.dst_table_name, run.dstColumns, destinationSlice(run, slice));
    for await (const b of guarded(run, rows, () => {})) destinationSum.add(b);
  } finally {
    await back.close();
  }
  if (sourceSum.value !== destinationSum.value) {
    throw new VerificationFailed(
      `verification failed for ${describe(slice, task.src_table_name)}: the row counts match but the contents differ (checksum ${sourceSum.value} at the source, ${destinationSum.value} at the destination)`,
    );
  }
  return { sourceChecksum: sourceSum.value, destinationChecksum: destinationSum.value };
}
