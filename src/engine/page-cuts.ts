import { decodeCut } from '../connectors/cuts.js';
import type { Slice } from '../connectors/data.js';
import { runCuts } from '../jobs/ledger/tasks.js';
import { compareSlice } from './compare-slice.js';
import { copySlice } from './copy-slice.js';
import { describe, taskLog, type TaskRun } from './task-run.js';

/**
 * A table cut by pages (PostgreSQL ctid ranges): an update may move a row to another page, so
 * chunks read in different snapshots (the job stopped and started again, or its snapshot lost and
 * another taken) may hold a row twice, or miss it. The task that finishes such a table therefore
 * compares, in its own snapshot, every chunk read in another, and copies again those that differ;
 * then every chunk holds its pages' rows as of one snapshot, and the table is the source as of it.
 */
export async function rereadOtherSnapshots(run: TaskRun): Promise<void> {
  const chunks = await runCuts(run.ctx.db, run.task);
  const mine = chunks.find((c) => c.taskId === run.task.id)?.epoch ?? null;
  const others = chunks.filter((c) => c.epoch === null || c.epoch !== mine);
  for (const chunk of others) {
    const slice: Slice = { value: null, location: '', spec: [], cut: decodeCut(chunk.cut)! };
    const what = describe(slice, run.task.src_table_name);
    if ('same' in (await compareSlice(run, slice, null))) continue;
    const { written } = await copySlice(run, slice, null);
    await taskLog(run.ctx.db, run.task.id, 'INFO', `${what} was read in another snapshot than this task's, and rows have moved between pages since: copied again in this one (${written} rows)`);
  }
}
