import { SliceComparison } from '../verification/compare.js';
import { batches, batchPairs, canBatch, copyBatch, type SizedPart } from './copy-batch.js';
import { mark, markUnfinished, recordCopied } from './slice-status.js';
import { enter, taskLog, verifying, type TaskRun } from './task-run.js';

/**
 * An increment's small DONE partitions compared as one: each end's fingerprints of all of them in
 * one grouped query (as a copy batch verifies), not two queries per partition. Those that match
 * are recorded unchanged together; those that differ are copied again, in batches.
 */
export async function compareBatch(run: TaskRun, parts: SizedPart[], one: (part: SizedPart) => Promise<void>): Promise<void> {
  const { task, reader, writer } = run;
  const pairs = batchPairs(run, parts);
  await enter(run, 'DATA');
  await mark(run, parts, 'DOING');
  let found: Awaited<ReturnType<SliceComparison['fingerprintsByKey']>>;
  try {
    const both = new SliceComparison(
      { engine: run.sourceType, probe: reader.probeBatch!(task.src_db_name, task.src_table_name, run.columns, pairs), columns: run.columns },
      { engine: run.destination.type, probe: writer.probeBatch!(task.dst_db_name, task.dst_table_name, pairs.map((p) => p.key), run.dstColumns), columns: run.dstColumns },
    );
    found = await verifying(run, () => both.fingerprintsByKey());
  } catch (err) {
    await markUnfinished(run, parts, err);
    throw err;
  }
  // A partition with no rows at either end is absent from `found`: unchanged (it is empty at both).
  const compared = parts.map((part, i) => {
    const f = found.get(pairs[i]!.key);
    const counts = f ? { sourceRows: f.sourceRows, destinationRows: f.destinationRows, ...f.fingerprints } : { sourceRows: 0, destinationRows: 0 };
    const same = !f || (f.sourceRows === f.destinationRows && f.fingerprints.sourceFingerprint === f.fingerprints.destinationFingerprint);
    return { part, same, verification: { slice: part.value, ...counts, written: counts.destinationRows, ok: true } };
  });
  const unchanged = compared.filter((c) => c.same);
  await recordCopied(run, unchanged.map(({ part, verification }) => ({ part, copied: { seq: part.seq, rows: 0, bytes: 0, verification } })), [], true);
  const differing = compared.filter((c) => !c.same).map(({ part }): SizedPart => ({ ...part, mode: 'copy' }));
  if (differing.length) await taskLog(run.ctx.db, task.id, 'INFO', `${differing.length === 1 ? 'partition' : `${differing.length} partitions:`} ${differing.slice(0, 5).map((p) => p.value).join(', ')}${differing.length > 5 ? ', …' : ''} ${differing.length === 1 ? 'differs' : 'differ'} from the destination: copied again`);
  for (const group of batches(differing, canBatch(run))) {
    if (group.length > 1) await copyBatch(run, group, one);
    else await one(group[0]!);
  }
}
