import { countsByKey } from '../verification/slice-hash.js';
import { cutTag } from '../connectors/data.js';
import { decodeCut } from '../connectors/cuts.js';
import { runCuts } from '../jobs/ledger/tasks.js';
import { taskLog, verifying, VerificationFailed, type TaskRun } from './task-run.js';

/** Rows named in a failure at most. */
const NAMED = 5;

/**
 * The whole destination table, not only the slices a run copied: what lies outside every slice no
 * slice's verification sees. Of a partitioned source at a SQL destination, rows tagged with no
 * partition the source has or had (a value it never had, or none), by one grouped count; in a lake,
 * folders and files outside the layout of the source's partitions (or, without partitions, in
 * subfolders of the table's). Checked once per table and run, by its first task, whichever
 * partitions the job selected, where this data source `alone` writes the table. A chunked table
 * needs no check: by an integer key, its first chunk holds the rows without a key; cut in the
 * source's order, its first task removes rows of no chunk of the run (removeOtherCuts), and a
 * verify-only job compares it whole.
 */
export async function checkOutsideSlices(run: TaskRun, alone: () => Promise<boolean>): Promise<void> {
  const { task, writer, ctx } = run;
  // A writer that keeps slices as folders says what lies outside them; elsewhere partitions are tagged rows.
  const folders = writer.outsideSlices !== undefined;
  if (!folders && (!run.partitioned || !writer.probe)) return;
  if (!(await firstOfTable(run)) || !(await alone())) return;
  await verifying(run, async () => {
    const known = (await ctx.db.selectFrom('catalog_partitions').select('value').where('table_id', '=', task.table_id).execute()).map((p) => p.value);
    const outside = folders ? await strayFiles(run, known) : await strayRows(run, new Set(known));
    if (outside) throw new VerificationFailed(`verification failed for table ${task.src_table_name}: ${task.dst_db_name}.${task.dst_table_name} holds ${outside}`);
  });
}

/**
 * A table cut into chunks in the source's order: rows tagged with a chunk this run does not have
 * (an earlier cut of the table, before it doubled or the job's chunk size changed) or with none (a
 * copy of it whole) are removed by the table's first task, where this data source `alone` writes
 * the table. Its other chunks, which it may run beside, write only their own tags.
 */
export async function removeOtherCuts(run: TaskRun, alone: () => Promise<boolean>): Promise<void> {
  const { task, writer } = run;
  if (!writer.probe || !writer.removeOtherTags || !(await firstOfTable(run)) || !(await alone())) return;
  const keep = (await runCuts(run.ctx.db, run.task)).map((c) => cutTag(decodeCut(c.cut)!));
  const { outside: other, rows } = await tagsOutside(run, new Set(keep));
  if (other.length === 0) return;
  await writer.removeOtherTags(task.dst_db_name, task.dst_table_name, keep);
  await taskLog(run.ctx.db, task.id, 'INFO', `removed ${rows} ${rows === 1 ? 'row' : 'rows'} of ${task.dst_db_name}.${task.dst_table_name} that ${other.length === 1 ? 'a chunk' : `${other.length} chunks`} of an earlier cut of the table (or a copy of it whole) left: its chunks are now cut at other points`);
}

/** Whether the task is its table's first in the job run (the one that looks at the whole table). */
async function firstOfTable(run: TaskRun): Promise<boolean> {
  const { task, ctx } = run;
  const first = await ctx.db.selectFrom('tasks').select((eb) => eb.fn.min('id').as('id')).where('job_id', '=', task.job_id).where('run', '=', task.run).where('table_id', '=', task.table_id).executeTakeFirst();
  return Number(first?.id) === task.id; // min() of a bigint comes back as text from PostgreSQL
}

/**
 * The destination table's tags none of `known` (one grouped count), each with its rows, in name
 * order, no tag last; and their rows in all. countsByKey names a NULL tag 'null', which no
 * partition value (`col=value`) or chunk tag (`chunk:…`) is.
 */
async function tagsOutside(run: TaskRun, known: Set<string>): Promise<{ outside: [string, number][]; rows: number }> {
  const { task, writer } = run;
  const tags = await countsByKey(writer.probe!(task.dst_db_name, task.dst_table_name, null));
  const outside = [...tags].filter(([tag]) => !known.has(tag)).sort(([a], [b]) => (a === 'null' ? 1 : b === 'null' ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return { outside, rows: outside.reduce((n, [, count]) => n + count, 0) };
}

/** Rows tagged with no known partition, described (none: null). */
async function strayRows(run: TaskRun, known: Set<string>): Promise<string | null> {
  const { outside, rows } = await tagsOutside(run, known);
  if (outside.length === 0) return null;
  const named = outside.slice(0, NAMED).map(([tag, n]) => `${tag === 'null' ? 'no partition' : `'${tag}'`} (${n} ${n === 1 ? 'row' : 'rows'})`);
  return `${rows} ${rows === 1 ? 'row' : 'rows'} outside every partition of the source: ${named.join(', ')}${outside.length > NAMED ? ', …' : ''}`;
}

/** Files and folders outside the layout of the known partitions, described (none: null). */
async function strayFiles(run: TaskRun, known: string[]): Promise<string | null> {
  const { task, writer } = run;
  const slices = run.partitioned ? known.map((value) => run.dstSlice({ value, location: '', spec: [] }) as string) : null;
  const paths = await writer.outsideSlices!(task.dst_db_name, task.dst_table_name, slices);
  if (paths.length === 0) return null;
  return `${paths.length === 1 ? 'a file' : 'files'} outside ${run.partitioned ? 'every partition of the source' : 'the table’s own folder'}: ${paths.slice(0, NAMED).join(', ')}${paths.length > NAMED ? ', …' : ''}`;
}
