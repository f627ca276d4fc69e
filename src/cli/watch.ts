import Table from 'cli-table3';
import { CliError, sleep, type Call } from './client.js';
import { bar, bytes, LiveView, num, terminalJson, terminalSafe } from './output.js';
const SPARK = '▁▂▃▄▅▆▇█';

/** The last `width` values as a row of block characters, the tallest at the largest. */
export function sparkline(values: number[], width = 40): string {
  const last = values.slice(-width);
  const max = Math.max(0, ...last);
  return last.map((v) => (max === 0 ? SPARK[0] : SPARK[Math.min(SPARK.length - 1, Math.floor((v / max) * SPARK.length))])).join('');
}

interface Job { id: number; name: string; status: string; stopped: boolean; taskNum: number; taskDone: number }
interface Task { id: number; srcTableName: string; dstTableName: string; status: string; partitionNum: number; partitionDone: number; rows: number; bytes: number; errMsg: string | null }
interface Throughput { points: { rowsPerSecond: number; bytesPerSecond: number }[]; tasks: { taskId: number; rowsPerSecond: number; bytesPerSecond: number }[] }

/** What `mms jobs watch` shows: the job with its speed now and over time, then each table (the console's job page, in text). */
export function jobView(job: Job, tasks: Task[], throughput: Throughput): string[] {
  const speeds = new Map(throughput.tasks.map((t) => [t.taskId, t]));
  const now = throughput.tasks.reduce((n, t) => ({ rows: n.rows + t.rowsPerSecond, bytes: n.bytes + t.bytesPerSecond }), { rows: 0, bytes: 0 });
  const rows = tasks.reduce((n, t) => n + t.rows, 0);
  const moved = tasks.reduce((n, t) => n + t.bytes, 0);
  const table = new Table({ chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '  ', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' }, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
  for (const t of tasks) {
    const speed = speeds.get(t.id);
    table.push([`${t.srcTableName} → ${t.dstTableName}`, t.status, `${bar(t.partitionDone, t.partitionNum, 12)} ${t.partitionDone}/${t.partitionNum}`, `${num(t.rows)} rows`, speed ? `${num(speed.rowsPerSecond)} rows/s` : '']);
  }
  return [
    `job ${job.id} ${job.status}${job.stopped ? ' (stopped)' : ''} ${bar(job.taskDone, job.taskNum)} ${job.taskDone}/${job.taskNum} tasks, ${num(rows)} rows, ${bytes(moved)}`,
    `  now ${num(now.rows)} rows/s, ${bytes(now.bytes)}/s  ${sparkline(throughput.points.map((p) => p.rowsPerSecond))}`,
    ...(tasks.length ? table.toString().split('\n') : []),
  ];
}

/** Follows a job until it ends; a FAILED job is a failed command. With `json`, prints only the final job. */
export async function watchJob(call: Call, json: boolean, sourceId: number, jobId: number): Promise<void> {
  const view = new LiveView();
  for (;;) {
    const job = await call('GET', `/datasources/${sourceId}/jobs/${jobId}`);
    const tasks: Task[] = job.taskNum > 0 ? (await call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&pageSize=100`)).objectList : [];
    const ended = job.status === 'DONE' || job.status === 'FAILED' || job.stopped;
    if (!json) view.draw(jobView(job, tasks, await call('GET', `/datasources/${sourceId}/jobs/${jobId}/throughput`)), ended);
    if (ended) {
      if (json) console.log(terminalJson(job));
      if (job.status === 'FAILED') {
        const failed = tasks.filter((t) => t.status.endsWith('FAILED')).map((t) => `task ${t.id}: ${terminalSafe(String(t.errMsg))}`);
        throw new CliError(`job ${jobId} FAILED${failed.length ? `\n${failed.join('\n')}` : ''}`);
      }
      return;
    }
    await sleep(500);
  }
}
