import type { Slice, SliceProbe } from '../connectors/data.js';
import { fingerprintRows } from '../verification/slice-hash.js';
import { checksContent, comparison, verificationFailure, type TaskRun, type Verification } from './task-run.js';

/**
 * A slice's verification, from the copy's own snapshot at the source and, at the destination, from
 * the rows as written, before their commit (verify before commit): a slice that does not match is
 * rolled back, never seen. Counts come from the engines themselves (a content fingerprint counts
 * its rows; counts only, each end counts), never from what the writer reports.
 */

/** Slices at least this large (catalog bytes) have their source side read while they copy. */
export const BESIDE_BYTES = 16 * 1024 ** 2;

/** The source's side of a slice's verification, being read on a second reader in the copy's snapshot. */
export interface SourceBeside {
  rows: Promise<number> | null;
  fingerprint: Promise<string> | null;
  close(): Promise<void>;
}

/**
 * Starts reading the source's side of a slice's verification on a second reader, beside the copy,
 * so that the source engine hashes while the destination loads instead of after it: in the same
 * snapshot as the copy (engine/snapshots.ts), so a source that keeps changing still matches.
 */
export async function sourceBeside(run: TaskRun, slice: Slice | null): Promise<SourceBeside> {
  const reader = await run.openSource();
  const { task } = run;
  const content = checksContent(run.config) ? comparison(run, slice, { reader }) : null;
  const fingerprint = content ? content.sourceFingerprint() : null;
  const rows = content ? null : reader.count(task.src_db_name, task.src_table_name, slice);
  // Awaited once the rows are written; a copy that fails first must not leave them unhandled.
  fingerprint?.catch(() => {});
  rows?.catch(() => {});
  return { rows, fingerprint, close: () => reader.close() };
}

/** A source side already counted (by the copy's own scan: CopyWatch.sourceRows). */
export const countedSource = (rows: number): SourceBeside => ({ rows: Promise.resolve(rows), fingerprint: null, close: async () => {} });

const countOf = async (probe: SliceProbe) => Number((await probe.query(`SELECT count(*) FROM ${probe.from}`))[0]![0]);

/**
 * Compares the source's slice with `written` (the destination's rows, as the writer holds them):
 * the verification to record, or VerificationFailed naming the first differing rows, found while
 * both ends are still as they were compared.
 */
export async function checkWritten(run: TaskRun, slice: Slice | null, written: SliceProbe, beside: SourceBeside | null, writtenRows: number): Promise<Verification> {
  const verification = await compareWritten(run, slice, written, beside, writtenRows, checksContent(run.config));
  if (!verification.ok) throw await verificationFailure(run, slice, verification, written);
  return verification;
}

/** The two ends' counts, or (`byContent`) content fingerprints, of a slice: `ok` whether they match. */
export async function compareWritten(run: TaskRun, slice: Slice | null, written: SliceProbe, beside: SourceBeside | null, writtenRows: number, byContent: boolean): Promise<Verification> {
  const { task, reader } = run;
  const content = byContent ? comparison(run, slice, { written }) : null;
  let verification: Verification;
  if (content) {
    const fingerprints = await content.fingerprints(beside?.fingerprint ?? undefined);
    const [sourceRows, destinationRows] = [fingerprints.sourceFingerprint, fingerprints.destinationFingerprint].map(fingerprintRows) as [number, number];
    verification = { slice: slice?.value ?? null, sourceRows, destinationRows, written: writtenRows, ok: fingerprints.sourceFingerprint === fingerprints.destinationFingerprint, ...fingerprints };
  } else {
    const [sourceRows, destinationRows] = await Promise.all([beside?.rows ?? reader.count(task.src_db_name, task.src_table_name, slice), countOf(written)]);
    verification = { slice: slice?.value ?? null, sourceRows, destinationRows, written: writtenRows, ok: sourceRows === destinationRows };
  }
  return verification;
}
