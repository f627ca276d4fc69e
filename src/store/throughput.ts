import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Width of a stored throughput bucket: a running task adds to its current bucket about once a second. */
export const THROUGHPUT_BUCKET_MS = 2000;
/** At most this many points per series: longer runs are read in wider buckets. */
const MAX_POINTS = 150;

/** The start of the stored bucket that `time` (epoch ms) falls in. */
export const bucketOf = (time: number) => time - (time % THROUGHPUT_BUCKET_MS);

/** Adds rows and bytes a task moved at `time` to its bucket. */
export async function addThroughput(db: Kysely<Database>, task: { id: number; job_id: number }, time: number, rows: number, bytes: number): Promise<void> {
  const bucket = bucketOf(time);
  await db
    .insertInto('task_throughput')
    .values({ task_id: task.id, job_id: task.job_id, bucket, rows, bytes })
    .onConflict((oc) =>
      oc.columns(['task_id', 'bucket']).doUpdateSet((eb) => ({
        rows: eb('task_throughput.rows', '+', eb.ref('excluded.rows')),
        bytes: eb('task_throughput.bytes', '+', eb.ref('excluded.bytes')),
      })),
    )
    .execute();
}

export interface ThroughputPoint {
  /** Start of the bucket, epoch milliseconds. */
  time: number;
  rows: number;
  bytes: number;
}

export interface RunThroughput {
  bucketMs: number;
  /** From the run's first bucket to its last, empty buckets included (as zeros). */
  points: ThroughputPoint[];
  /** What each task of the run moved since `recentFrom` (its current speed): two whole buckets and the current one. */
  tasks: { taskId: number; rows: number; bytes: number }[];
  recentFrom: number;
}

/** Throughput of one run of a job, as a series of at most MAX_POINTS buckets, and each task's latest speed. */
export async function runThroughput(db: Kysely<Database>, jobId: number, run: number, now = Date.now()): Promise<RunThroughput> {
  const ofRun = db.selectFrom('task_throughput as tt').innerJoin('tasks as t', 't.id', 'tt.task_id').where('tt.job_id', '=', jobId).where('t.run', '=', run);
  const span = await ofRun.select((eb) => [eb.fn.min('tt.bucket').as('first'), eb.fn.max('tt.bucket').as('last')]).executeTakeFirst();
  const recentFrom = bucketOf(now) - 2 * THROUGHPUT_BUCKET_MS;
  if (span?.first == null || span.last == null) return { bucketMs: THROUGHPUT_BUCKET_MS, points: [], tasks: [], recentFrom };
  const first = Number(span.first);
  const last = Number(span.last);
  const bucketMs = THROUGHPUT_BUCKET_MS * Math.max(1, Math.ceil((last - first) / THROUGHPUT_BUCKET_MS / MAX_POINTS));
  // Literals, not parameters: PostgreSQL groups by the select's expression only when the two texts are equal.
  const start = sql<number>`(tt.bucket - (tt.bucket - ${sql.lit(first)}) % ${sql.lit(bucketMs)})`;
  const grouped = await ofRun
    .select((eb) => [start.as('time'), eb.fn.sum<number>('tt.rows').as('rows'), eb.fn.sum<number>('tt.bytes').as('bytes')])
    .groupBy(start)
    .execute();
  const byTime = new Map(grouped.map((g) => [Number(g.time), g]));
  const points: ThroughputPoint[] = [];
  for (let time = first; time <= last; time += bucketMs) {
    const g = byTime.get(time);
    points.push({ time, rows: Number(g?.rows ?? 0), bytes: Number(g?.bytes ?? 0) });
  }
  const tasks = await ofRun
    .where('tt.bucket', '>=', recentFrom)
    .select((eb) => ['tt.task_id as taskId', eb.fn.sum<number>('tt.rows').as('rows'), eb.fn.sum<number>('tt.bytes').as('bytes')])
    .groupBy('tt.task_id')
    .execute();
  return { bucketMs, points, tasks: tasks.map((t) => ({ taskId: t.taskId, rows: Number(t.rows), bytes: Number(t.bytes) })), recentFrom };
}
