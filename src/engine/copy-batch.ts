import type { SlicePair, SliceProbe } from '../connectors/data.js';
import { switchOf, VERIFY_ONLY } from '../jobs/config.js';
import type { TaskPartitionRow } from '../store/schema.js';
import { SliceComparison } from '../verification/compare.js';
import { countsByKey } from '../verification/slice-hash.js';
import { mark, markUnfinished, recordCopied } from './slice-status.js';
import { checksContent, enter, sliceOf, verifying, type TaskRun, type Verification } from './task-run.js';

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
    // Small partitions to copy batch together, and so do an increment's to compare; gone ones are removed one by one.
    if (!batchable || p.partition_id === null || p.value === null || p.size === null || p.size >= BATCH_BYTES || p.mode === 'remove') {
      close();
      out.push([p]);
      continue;
    }
    if (open.length >= BATCH_SLICES || bytes + p.size > BATCH_BYTES || (open.length && open[0]!.mode !== p.mode)) close();
    open.push(p);
    bytes += p.size;
  }
  close();
  return out;
}

/** Whether this run's slices may go in batches: a plain copy of partitions between engines offering it. */
export function canBatch(run: TaskRun): boolean {
  const { config, reader, writer } = run;
  return run.partitioned && !config.schemaOnly && config.taskType !== VERIFY_ONLY && switchOf(config.others, 'verify.checksum') !== true && !!writer.takesFrom?.(reader, run.columns, run.dstColumns) && !!writer.probeBatch && !!reader.probeBatch;
}

/** Each slice's rows at both ends (the source's only when verifying) and, with content verification, fingerprints. */
type Found = Map<string, Pick<Verification, 'sourceRows' | 'destinationRows' | 'scheme' | 'sourceFingerprint' | 'destinationFingerprint' | 'presenceOnly'>>;

/** The batch's slices at both ends: the source in the copy's snapshot, the destination as written (`written`, tagged by slice key). */
async function inspect(run: TaskRun, pairs: { slice: SlicePair['slice']; key: string }[], written: SliceProbe, verify: boolean): Promise<Found> {
  const { task, reader, config } = run;
  const keys = pairs.map((p) => p.key);
  const source = () => reader.probeBatch!(task.src_db_name, task.src_table_name, run.columns, pairs);
  const found: Found = new Map();
  if (verify && checksContent(config)) {
    const both = new SliceComparison({ engine: run.sourceType, probe: source(), columns: run.columns }, { engine: run.destination.type, probe: written, columns: run.dstColumns });
    for (const [key, f] of await both.fingerprintsByKey()) found.set(key, { sourceRows: f.sourceRows, destinationRows: f.destinationRows, ...f.fingerprints });
    return found;
  }
  const [s, d] = await Promise.all([verify ? countsByKey(source()) : null, countsByKey(written)]);
  for (const key of keys) found.set(key, { sourceRows: s?.get(key) ?? 0, destinationRows: d.get(key) ?? 0 });
  return found;
}

/** A batch's slices at both ends: batches are of partitions, whose destination keys are their tags. */
export const batchPairs = (run: TaskRun, parts: SizedPart[]) =>
  parts.map((p) => {
    const slice = sliceOf(p);
    return { slice, key: run.dstSlice(slice) as string };
  });

/** A batch whose rows did not all match: rolled back whole, its partitions are copied one by one. */
class BatchMismatch extends Error {}

/**
 * Copies a batch of small partitions (see above), verified before their commit, and records them.
 * A batch with a partition that does not match is rolled back and its partitions copied one at a
 * time, so the others are kept and the one that differs is named (VerificationFailed).
 */
export async function copyBatch(run: TaskRun, parts: SizedPart[], one: (part: SizedPart) => Promise<void>): Promise<void> {
  const { task, config, reader, writer } = run;
  const pairs = batchPairs(run, parts);
  await enter(run, 'DATA');
  await mark(run, parts, 'DOING');
  let copied: { rows: number; bytes: number };
  let found: Found = new Map();
  const matches = (key: string) => {
    const f = found.get(key) ?? { sourceRows: 0, destinationRows: 0 };
    return f.sourceRows === f.destinationRows && f.sourceFingerprint === f.destinationFingerprint;
  };
  try {
    const watch = { signal: run.signal, progress: (rows: number, n: number) => run.meter.add(rows, n) };
    copied = await run.meter.slice(() => writer.replaceFrom!(reader, { db: task.src_db_name, table: task.src_table_name }, pairs, task.dst_db_name, task.dst_table_name, run.columns, run.dstColumns, watch, async (written) => {
      found = config.enableVerification ? await verifying(run, () => inspect(run, pairs, written, true)) : await inspect(run, pairs, written, false);
      if (config.enableVerification && !pairs.every((p) => matches(p.key))) throw new BatchMismatch();
    }));
  } catch (err) {
    if (!(err instanceof BatchMismatch)) {
      await markUnfinished(run, parts, err);
      throw err;
    }
    let failure: unknown = null;
    for (const part of parts) await one(part).catch((e) => (failure ??= e));
    if (failure) throw failure;
    return;
  }
  const done = parts.map((part, i) => {
    const f = found.get(pairs[i]!.key) ?? { sourceRows: 0, destinationRows: 0 };
    const verification: Verification | null = config.enableVerification ? { slice: part.value, ...f, written: f.destinationRows, ok: true } : null;
    // The batch's bytes shared out by rows: the COPY stream does not split them by slice.
    const bytes = copied.rows ? Math.round((copied.bytes * f.destinationRows) / copied.rows) : 0;
    return { part, copied: { seq: part.seq, rows: f.destinationRows, bytes, verification } };
  });
  await recordCopied(run, done);
}
