// The service under test: the built `mms serve` in a child process, driven through its HTTP API.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';

export interface Service {
  url: string;
  child: ChildProcess;
  call(method: string, path: string, body?: unknown): Promise<any>;
  /** Forgets the peak RSS so far (Linux clear_refs), so the next reading is the peak since now. */
  resetPeak(): void;
  /** Peak resident set size since the last reset, in bytes. */
  peakRss(): number;
  stop(): Promise<void>;
}

/** The administrator the bench's services are started with (authentication stays on, as in production). */
const ADMIN = { accessKeyId: 'OMMSBENCHADMIN', accessKeySecret: randomBytes(18).toString('base64url') };

/** BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=prof", profiles the service and its workers. */
const nodeArgs = () => (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

export async function startService(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Service> {
  const child = spawn(process.execPath, [...nodeArgs(), 'dist/cli/main.js', 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, OPENMMS_LOG_LEVEL: 'warn', OPENMMS_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, OPENMMS_ADMIN_ACCESS_KEY_SECRET: ADMIN.accessKeySecret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = /OpenMMS listening at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    if (process.env.BENCH_ECHO) child.stderr!.on('data', (d) => process.stderr.write(d));
    child.once('exit', (code) => reject(new Error(`mms serve exited with ${code}: ${out}`)));
  });
  const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const login = await fetch(`${url}/api/v1/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const { token } = ((await login.json()) as { data: { token: string } }).data;
  return {
    url,
    child,
    async call(method, path, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) };
      const res = await fetch(`${url}/api/v1/mms${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
      const json = (await res.json()) as { data: any; message?: string };
      if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${json.message}`);
      return json.data;
    },
    resetPeak: () => writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
    peakRss: () => Number(/VmHWM:\s+(\d+) kB/.exec(status())![1]) * 1024,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/**
 * A cluster worker (`mms worker`) for a service on the PostgreSQL store: in cluster mode the API
 * process plans and dispatches, workers scan and copy.
 */
export async function startWorker(env: NodeJS.ProcessEnv): Promise<{ cpuSeconds: () => number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...nodeArgs(), 'dist/cli/main.js', 'worker'], { env: { ...process.env, OPENMMS_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      if (/OpenMMS worker \S+ taking tasks/.test(out)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`mms worker exited with ${code}: ${out}`)));
  });
  return {
    // utime + stime of /proc/<pid>/stat, in clock ticks of 1/100 s.
    cpuSeconds: () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(11, 13).reduce((n, t) => n + Number(t), 0) / 100,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Scans a data source and waits for the scan; returns its seconds. */
export async function scan(svc: Service, sourceId: number, body: object = {}): Promise<number> {
  const started = performance.now();
  const { scanId } = await svc.call('POST', `/datasources/${sourceId}/scans`, body);
  for (;;) {
    const s = await svc.call('GET', `/datasources/${sourceId}/scans/${scanId}`);
    if (s.status === 'DONE') return (performance.now() - started) / 1000;
    if (s.status === 'FAILED') throw new Error(`scan failed: ${s.errMsg}`);
    await sleep(100);
  }
}

export interface JobRun {
  seconds: number;
  rows: number;
  peakRss: number;
}

/** Creates a job, waits for DONE, and returns its wall time, rows and the service's peak RSS meanwhile. */
export async function runJob(svc: Service, sourceId: number, body: object): Promise<JobRun> {
  svc.resetPeak();
  const started = performance.now();
  const { jobId } = await svc.call('POST', `/datasources/${sourceId}/jobs`, body);
  for (;;) {
    const job = await svc.call('GET', `/datasources/${sourceId}/jobs/${jobId}`);
    if (job.status === 'DONE') break;
    if (job.status === 'FAILED') {
      const tasks = await svc.call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&status=FAILED`);
      throw new Error(`job ${jobId} failed: ${tasks.objectList[0]?.errMsg}`);
    }
    await sleep(100);
  }
  const seconds = (performance.now() - started) / 1000;
  let rows = 0;
  for (let pageNum = 1; ; pageNum++) {
    const page = await svc.call('GET', `/datasources/${sourceId}/tasks?jobId=${jobId}&pageSize=100&pageNum=${pageNum}`);
    rows += page.objectList.reduce((n: number, t: { rows: number }) => n + t.rows, 0);
    if (pageNum * 100 >= page.total) break;
  }
  return { seconds, rows, peakRss: svc.peakRss() };
}
