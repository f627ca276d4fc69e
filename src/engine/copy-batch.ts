import type { SliceKey, SlicePair } from '../connectors/data.js';
import { VERIFY_ONLY } from '../jobs/config.js';
import type { TaskPartitionRow } from '../store/schema.js';
import { SliceComparison } from '../verification/compare.js';
import { countsByKey } from '../verification/slice-hash.js';
import { mark, markUnfinished, recordCopied } from './slice-status.js';
import { checksContent, sliceOf, switchOf, verificationFailure, type Copied, type TaskRun, type Verification } from './task-run.js';

/**
 * Many small partitions copy as one: one destination transaction (one DELETE of all their slices,
 * one COPY of their rows, each tagged with its slice), one grouped count and fingerprint per end,
 * one bookkeeping transaction. A stop or a crash rolls the whole batch back; each partition's
 * status stays true: DONE only once its rows are committed and verified.
 */

/** Slices per batch at most: each is a lock and a literal in the batch's statements. */
export const BATCH_SLICES = 200;
/** Catalog bytes per batch at most: a batch is redone whole after a failure. */
export const BATCH_BYTES = 64 * 1024 ** 2;

/** A task partition with its catalog size (null: unknown). */
export type SizedPart = TaskPartitionRow & { size: number | null };

/** Parts grouped in order: runs of small partitions together (when `batchable`), every other part alone. */
export function batches(parts: SizedPart[], batchable: boolean): SizedPart[][] {
  const out: SizedPart[][] = [];
  let open: SizedPart[] = [];
  let bytes = 0;
  const close = () => {
    if (open.length) out.push(open);
    open = [];
    bytes = 0;
  };
  for (const p of parts) {
    if (!batchable || p.partition_id === null || p.value === null || p.size === null || p.size >= BATCH_BYTES) {
      close();
      out.push([p]);
      continue;
    }
    if (open.length >= BATCH_SLICES || bytes + p.size > BATCH_BYTES) close();
    open.push(p);
    bytes += p.size;
  }
  close();
  return out;
}

/** Whether this run's slices may go in batches: a plain copy of partitions between engines offering it. */
export function canBatch(run: TaskRun): boolean {
  const { config, reader, writer } = run;
  return run.partitioned && !config.schemaOnly && config.taskType !== VERIFY_ONLY && switchOf(config.others, 'verify.checksum') !== true && !!writer.takesFrom?.(reader, run.columns) && !!writer.probeBatch && !!reader.probeBatch;
}

/** Each slice's rows at both ends (the source's only when verifying) and, with content verification, fingerprints. */
type Found = Map<SliceKey, Pick<Verification, 'sourceRows' | 'destinationRows' | 'scheme' | 'sourceFingerprint' | 'destinationFingerprint' | 'presenceOnly'>>;

async function inspect(run: TaskRun, pairs: { key: SliceKey }[], verify: boolean): Promise<Found> {
  const { task, reader, writer, config } = run;
  const keys = pairs.map((p) => p.key);
  const destination = writer.probeBatch!(task.dst_db_name, task.dst_table_name, keys);
  const source = () => reader.probeBatch!(task.src_db_name, task.src_table_name, run.columns, pairs as SlicePair[]);
  const found: Found = new Map();
  if (verify && checksContent(config)) {
    const both = new SliceComparison({ engine: run.sourceType, probe: source(), columns: run.columns }, { engine: run.destination.type, probe: destination, columns: run.dstColumns });
    for (const [key, f] of await both.fingerprintsByKey()) found.set(key, { sourceRows: f.sourceRows, destinationRows: f.destinationRows, ...f.fingerprints });
    return found;
  }
  const [s, d] = await Promise.all([verify ? countsByKey(source()) : null, countsByKey(destination)]);
  for (const key of keys) found.set(key, { sourceRows: s?.get(key) ?? 0, destinationRows: d.get(key) ?? 0 });
  return found;
}

/**
 * Copies a batch of small partitions (see above) and records them; throws VerificationFailed
 * naming the first that does not match, after recording the others.
 */
export async function copyBatch(run: TaskRun, parts: SizedPart[]): Promise<void> {
  const { task, config, reader, writer } = run;
  const pairs = parts.map((p) => {
    const slice = sliceOf(p);
    return { slice, key: run.dstSlice(slice)! };
  });
  await mark(run, parts, 'DOING');
  let copied: { rows: number; bytes: number };
  let found: Found;
  try {
    const watch = { signal: run.signal, progress: (rows: number, n: number) => run.meter.add(rows, n) };
    copied = await writer.replaceFrom!(reader, { db: task.src_db_name, table: task.src_table_name }, pairs, task.dst_db_name, task.dst_table_name, run.columns, run.dstColumns, watch);
    found = await inspect(run, pairs, config.enableVerification);
  } catch (err) {
    await markUnfinished(run, parts, err);
    throw err;
  }

  const done: { part: SizedPart; copied: Copied }[] = [];
  const failed: { part: SizedPart; verification: Verification }[] = [];
  parts.forEach((part, i) => {
    const f = found.get(pairs[i]!.key) ?? { sourceRows: 0, destinationRows: 0 };
    const ok = f.sourceRows === f.destinationRows && f.sourceFingerprint === f.destinationFingerprint;
    const verification: Verification | null = config.enableVerification ? { slice: part.value, ...f, written: f.destinationRows, ok } : null;
    // The batch's bytes shared out by rows: the COPY stream does not split them by slice.
    const bytes = copied.rows ? Math.round((copied.bytes * f.destinationRows) / copied.rows) : 0;
    if (verification && !ok) failed.push({ part, verification });
    else done.push({ part, copied: { seq: part.seq, rows: f.destinationRows, bytes, verification } });
  });
  await recordCopied(run, done, failed.map((f) => f.part));
  if (failed.length) throw await verificationFailure(run, sliceOf(failed[0]!.part), failed[0]!.verification);
}
