// `npm run bench`: throughput against baselines, memory, and catalog/store scale, printed as tables.
import { cpus, totalmem } from 'node:os';
import { execSync } from 'node:child_process';
import Table from 'cli-table3';
import { throughput } from './throughput.js';
import { scale } from './scale.js';

const int = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROWS = int('BENCH_ROWS', 5_000_000);
const PARTITIONS = int('BENCH_PARTITIONS', 1_000);
const SMALL_PARTITIONS = int('BENCH_SMALL_PARTITIONS', 10_000);
const ONLY = new RegExp(process.env.BENCH_ONLY ?? '', 'i');
const SCALE_PARTITIONS = int('BENCH_SCALE_PARTITIONS', 100_000);
const JOBS = int('BENCH_JOBS', 10_000);
// The speed issue's goal for the DuckDB and lake copies.
const RSS_LIMIT = 512 * 2 ** 20;

const started = performance.now();
const log = (s: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s}`);
const mb = (bytes: number) => bytes / 2 ** 20;
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const version = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0];
  } catch {
    return 'not found';
  }
};

// BENCH_WORKERS: cluster sizes for the scale-out copy of the small partitions (empty: none).
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').filter(Boolean).map(Number);
const copies = await throughput(ROWS, PARTITIONS, SMALL_PARTITIONS, WORKERS, ONLY, log);

console.log(`\nMachine: ${cpus().length} × ${cpus()[0]?.model}, ${fmt(totalmem() / 2 ** 30, 0)} GiB; Node ${process.version}; ${version('psql --version')}; ${version('mariadb --version')}`);
console.log(`Data: ${ROWS.toLocaleString('en-US')} rows (ints, decimals, double, text, timestamps, JSON, NULLs) and ${PARTITIONS.toLocaleString('en-US')} partitions × 1,000 rows; MB = source table size.\n`);
const plain = { style: { head: [], border: [] } };
const cpu = (seconds?: number) => (seconds === undefined ? '' : fmt(seconds));
const t = new Table({ ...plain, head: ['engine pair', 'table', 'tool', 'rows', 'MB', 's', 'MB/s', 'rows/s', 'PostgreSQL CPU s', 'peak RSS MB', 'OpenMMS ÷ tool time'] });
for (const r of copies) {
  const rate = (s: number) => [fmt(s), fmt(mb(r.bytes) / s), fmt(r.rows / s, 0)];
  t.push([r.pair, r.table, 'OpenMMS', r.rows.toLocaleString('en-US'), fmt(mb(r.bytes)), ...rate(r.seconds), cpu(r.engineCpu), `${fmt(mb(r.peakRss ?? 0), 0)}${(r.peakRss ?? 0) > RSS_LIMIT ? ' (over 512)' : ''}`, '']);
  for (const b of r.baselines) {
    if ('skipped' in b.run) t.push(['', '', b.name, { colSpan: 8, content: `did not run: ${b.run.skipped}` }]);
    else t.push(['', '', b.name, '', '', ...rate(b.run.seconds), cpu(b.run.engineCpu), '', `${fmt(b.run.seconds / r.seconds, 2)}×`]);
  }
}
console.log(t.toString());
console.log('OpenMMS ÷ tool time: the tool\'s seconds over OpenMMS\'s; above 1 OpenMMS is faster (PostgreSQL → PostgreSQL target: ≥ 0.9).\n');

// Printed above before this starts: the scale part takes minutes of its own.
const scaled = SCALE_PARTITIONS > 0 ? await scale(SCALE_PARTITIONS, JOBS, (process.env.BENCH_SCALE_STORES ?? 'sqlite,postgres').split(','), log) : [];

const lists = '8 clients, the next 2,000 calls: req/s, p50 / p99 ms (the first 2,000: req/s, p99)';
const s = new Table({ ...plain, head: ['store', 'partitions', 'scan s', 'plan with filter s (matched)', `ListMmsPartitions, ${lists}`, 'jobs', `ListMmsJobs, ${lists}`] });
const load = ([first, then]: { perSecond: number; p50: number; p99: number }[]) => `${fmt(then!.perSecond, 0)}, ${fmt(then!.p50)} / ${fmt(then!.p99)} (${fmt(first!.perSecond, 0)}, ${fmt(first!.p99)})`;
for (const r of scaled) {
  s.push([r.store, r.partitions.toLocaleString('en-US'), fmt(r.scanSeconds), `${fmt(r.previewSeconds, 2)} (${r.previewMatched.toLocaleString('en-US')})`, load(r.listPartitions), r.jobs.toLocaleString('en-US'), load(r.listJobs)]);
}
console.log(s.toString());
log('done');
