import { invalid } from '../errors.js';

/**
 * The `others` keys of a job OpenMMS acts on, each with what it takes. Any other key is refused at
 * CreateMmsJob (and CreateMmsTimer): stored, it would be ignored (MMS's engine settings such as
 * `spark.executor.mem` mean nothing here).
 */
const positive = (integer: boolean) => (v: unknown): string | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 && (!integer || Number.isInteger(n)) ? null : `takes a positive ${integer ? 'integer' : 'number'}`;
};
const flag = (v: unknown): string | null => ([true, false, 'true', 'false'].includes(v as never) ? null : 'takes true or false');

const OTHERS: Record<string, (v: unknown) => string | null> = {
  /** MMA's task limits: partitions per task, and GB per task. */
  'task.partition.max.num': positive(true),
  'task.partition.max.size': positive(false),
  /** Chunks of a big table: GB and rows each. */
  'task.chunk.size': positive(false),
  'task.chunk.rows': positive(true),
  /** OpenMMS's own checksum beside the engines' fingerprints; content (not only counts) verified. */
  'verify.checksum': flag,
  'verify.content': flag,
  /** Partitions gone from the source stay at the destination (append only). */
  'increment.keepDeleted': flag,
  /** MariaDB zero dates copied as NULL. */
  'mysql.zeroDatesAsNull': flag,
};

/** Refuses an `others` key OpenMMS does not act on, or a value its key does not take, naming it. */
export function assertOthers(others: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(others)) {
    const check = Object.hasOwn(OTHERS, key) ? OTHERS[key]! : null;
    if (!check) throw invalid(`others: OpenMMS does not act on '${key}', so it is refused rather than stored and ignored (it acts on ${Object.keys(OTHERS).join(', ')})`);
    const problem = check(value);
    if (problem) throw invalid(`others['${key}'] ${problem}, not ${JSON.stringify(value)}`);
  }
}
