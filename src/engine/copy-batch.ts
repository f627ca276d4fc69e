import type { SlicePair, SliceProbe } from '../connectors/data.js';
import { switchOf, VERIFY_ONLY } from '../jobs/config.js';
import type { TaskPartitionRow } from '../store/schema.js';
import { SliceComparison } from '../verification/compare.js';
import { countsByKey } from '../verification/slice-hash.js';
import { BESIDE_BYTES } from './slice-check.js';
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

type Pairs = { slice: SlicePair['slice']; key: string }[];

/** A batch's two ends, compared by the engines (the source's rows tagged by slice key, as the destination's). */
const comparisonOf = (run: TaskRun, source: SliceProbe, destination: SliceProbe) =>
  new SliceComparison({ engine: run.sourceType, probe: source, columns: run.columns }, { engine: run.destination.type, probe: destination, columns: run.dstColumns });

/** The source's side of a batch's check, by slice key: fingerprints where content is checked, else rows. */
type SourceSide = { fingerprints: Promise<Map<string, { rows: number; fingerprint: string }>> } | { counts: Promise<Map<string, number>> };

/**
 * A large batch's source side, read on a second reader in the copy's snapshot while the copy runs,
 * as a large slice's is (slice-check.ts sourceBeside): the source engine hashes while the
 * destination loads, instead of after. Null where the batch is small, nothing is verified, or the
 * source's readers cannot share a snapshot.
 */
async function sourceBeside(run: TaskRun, parts: SizedPart[], pairs: Pairs): Promise<{ side: SourceSide; close: () => Promise<void> } | null> {
  const { task, config, writer } = run;
  if (!config.enableVerification || !run.concurrentReaders || parts.reduce((n, p) => n + (p.size ?? 0), 0) < BESIDE_BYTES) return null;
  const reader = await run.openSource();
  const probe = reader.probeBatch!(task.src_db_name, task.src_table_name, run.columns, pairs);
  const destination = writer.probeBatch!(task.dst_db_name, task.dst_table_name, pairs.map((p) => p.key), run.dstColumns);
  const side: SourceSide = checksContent(config) ? { fingerprints: comparisonOf(run, probe, destination).sourceFingerprintsByKey() } : { counts: countsByKey(probe) };
  // Awaited once the rows are written; a copy that fails first must not leave it unhandled.
  void ('fingerprints' in side ? side.fingerprints : side.counts).catch(() => {});
  return { side, close: () => reader.close() };
}

/**
 * The batch's slices at both ends: the source in the copy's snapshot (`early`: read beside the
 * copy), the destination as written (`written`, tagged by slice key).
 */
async function inspect(run: TaskRun, pairs: Pairs, written: SliceProbe, verify: boolean, early?: SourceSide): Promise<Found> {
  const { task, reader, config } = run;
  const keys = pairs.map((p) => p.key);
  const source = () => reader.probeBatch!(task.src_db_name, task.src_table_name, run.columns, pairs);
  const found: Found = new Map();
  if (verify && checksContent(config)) {
    const both = comparisonOf(run, source(), written);
    for (const [key, f] of await both.fingerprintsByKey(early && 'fingerprints' in early ? early.fingerprints : undefined)) found.set(key, { sourceRows: f.sourceRows, destinationRows: f.destinationRows, ...f.fingerprints });
    return found;
  }
  const [s, d] = await Promise.all([verify ? (early && 'counts' in early ? early.counts : countsByKey(source())) : null, countsByKey(written)]);
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
    const beside = await sourceBeside(run, parts, pairs);
    try {
      const watch = { signal: run.signal, progress: (rows: number, n: number) => run.meter.add(rows, n) };
      copied = await run.meter.slice(() => writer.replaceFrom!(reader, { db: task.src_db_name, table: task.src_table_name }, pairs, task.dst_db_name, task.dst_table_name, run.columns, run.dstColumns, watch, async (written) => {
        found = config.enableVerification ? await verifying(run, () => inspect(run, pairs, written, true, beside?.side)) : await inspect(run, pairs, written, false);
        if (config.enableVerification && !pairs.every((p) => matches(p.key))) throw new BatchMismatch();
      }));
    } finally {
      await beside?.close();
    }
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
