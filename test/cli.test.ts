import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { SqliteDatabase } from '../src/store/sqlite-driver.js';
import { openDuck } from '../src/connectors/duckdb/connect.js';
import { SERVING, spawnMms, until } from './support/processes.js';
import { adminFetch, TEST_ADMIN_ENV } from './support/auth.js';
import { describe, expect, it } from 'vitest';

const serve = async (args: string[]) => {
  const p = await spawnMms(['serve', '--port', '0', ...args], { OPENMMS_SECRET_KEY: '' }, SERVING);
  return { child: p.child, base: p.match[1]!, output: p.output };
};

describe('mms serve', () => {
  it('--demo migrates a sample partitioned source into the embedded DuckDB', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-demo-'));
    const server = await serve(['--data-dir', dataDir, '--demo']);
    try {
      let job: { status: string; taskNum: number } | undefined;
      await until(async () => {
        const res = await adminFetch(`${server.base}/api/v1/mms/datasources/1/jobs`);
        if (res.status === 200) job = ((await res.json()) as { data: { objectList: (typeof job)[] } }).data.objectList[0];
        return job?.status === 'DONE';
      });
      expect(job).toMatchObject({ status: 'DONE', taskNum: 1 });
      expect(server.output()).toContain('Demo: data source "demo"');
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
    // The demo's data source names no destination: it writes a DuckDB file of its own, private to the service.
    expect(server.output()).toContain(`migrates into ${join(dataDir, 'destinations', 'source-1.duckdb')}`);
    const duck = await openDuck(join(dataDir, 'destinations', 'source-1.duckdb'), { readOnly: true });
    const [r] = await duck.all<{ n: bigint; parts: bigint }>('SELECT count(*) AS n, count(DISTINCT _mms_partition) AS parts FROM main.orders');
    duck.close();
    expect(r).toEqual({ n: 21000n, parts: 21n });
  });

  it('starts on the embedded store and answers ListMmsJobs over HTTP', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-cli-'));
    // Connections reach files under the file root, <data-dir>/files by default.
    mkdirSync(join(dataDir, 'files'));
    new SqliteDatabase(join(dataDir, 'files', 'demo.sqlite')).close();
    const { child, base, output } = await serve(['--data-dir', dataDir, '--log-format', 'pretty']);
    try {
      const post = await adminFetch(`${base}/api/v1/mms/datasources`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'demo', type: 'SQLITE', config: { source: { path: 'demo.sqlite' } } }),
      });
      const { data } = (await post.json()) as { data: { dataSourceId: number } };
      const res = await adminFetch(`${base}/api/v1/mms/datasources/${data.dataSourceId}/jobs`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { requestId: string; data: unknown };
      expect(body.data).toEqual({ total: 0, objectList: [], pageNum: 1, pageSize: 10 });
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
      // Readable log lines (pino-pretty), not JSON objects.
      await until(async () => /\d\d:\d\d:\d\d\] INFO/.test(output()));
      expect(output()).not.toMatch(/^\{"level"/m);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

describe('mms API commands', () => {
  it('drive a real server: tables for people, JSON for scripts, exit codes for failures', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-cli-api-'));
    const server = await serve(['--data-dir', dataDir, '--demo']);
    const mmsCli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--server', server.base, ...args], { env: { ...process.env, ...TEST_ADMIN_ENV } }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    try {
      await until(async () => server.output().includes('Demo: data source')); // the demo job exists
      const watched = await mmsCli('jobs', 'watch', '1', '1');
      expect(watched.code, watched.stderr).toBe(0);
      expect(watched.stdout).toMatch(/job 1 DONE \[#{30}\] 100% 1\/1 tasks, 21,000 rows, [\d.]+ [KM]iB\n  now [\d,]+ rows\/s, .*\/s  [▁-█]+\n  orders → orders\s+DONE\s+\[#{12}\] 100% 21\/21\s+21,000 rows/);
      const sources = await mmsCli('sources', 'list');
      expect(sources.stdout).toMatch(/│ 1\s+│ demo\s+│ LAKE\s+│ DUCKDB main\s+│ 1\s+│ 1\s+│ 21\s+│/);
      const jobs = JSON.parse((await mmsCli('--json', 'jobs', 'list', '1')).stdout);
      expect(jobs).toMatchObject([{ id: 1, name: 'demo', status: 'DONE', taskNum: 1, taskDone: 1 }]);
      const partitions = await mmsCli('partitions', '1', '--status', 'DONE');
      expect(partitions.stdout.match(/dt=2024-01-0\d\/region=\w+/g)).toHaveLength(21);
      expect((await mmsCli('logs', '1', '1')).stdout).toMatch(/INFO\s+│ copied partition dt=2024-01-0\d\/region=\w+: 1000 rows/);

      const missing = await mmsCli('jobs', 'get', '1', '999');
      expect(missing).toMatchObject({ code: 1, stderr: 'mms: JobNotFound: Job 999 does not exist\n' });
      expect(await mmsCli('jobs', 'get', '1', 'abc')).toMatchObject({ code: 2, stderr: "mms: 'abc' is not an id\n" });
      const badBody = await mmsCli('jobs', 'create', '1', '--body', '{"name": "x", "increment": "yes"}');
      expect(badBody).toMatchObject({ code: 1, stderr: "mms: InvalidParameter: parameter 'body.increment' must be boolean\n" });
      const created = await mmsCli('jobs', 'create', '1', '--body', '{"name": "again", "srcDbName": "default", "increment": false}', '--watch');
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/job 2 DONE .* 1\/1 tasks, 21,000 rows/);
      const timer = JSON.parse((await mmsCli('--json', 'timers', 'create', '1', '--type', 'Daily', '--value', '03:00', '--body', '{"name": "nightly", "srcDbName": "default"}')).stdout);
      expect((await mmsCli('timers', 'trigger', '1', String(timer.timerId))).stdout).toBe(`timer ${timer.timerId} fired\n`);
      expect((await mmsCli('timers', 'logs', '1', String(timer.timerId))).stdout).toMatch(/start job\s+│ start job success: job 3/);
      // Names a limited key chose reach the terminal as text: no escape sequence, bell, newline or reordering runs.
      const hostile = 'x\u001b[2J\u001b]0;owned\u0007\n│ 9 │ fake row │\u009b31m\u202eevil\u007f';
      await adminFetch(`${server.base}/api/v1/mms/datasources/1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: hostile }) });
      const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
      for (const args of [['sources', 'list'], ['--json', 'sources', 'list'], ['sources', 'get', '1'], ['tasks', '1', '--job', '1']]) {
        const out = await mmsCli(...args);
        expect([args.join(' '), raw.test(out.stdout + out.stderr)]).toEqual([args.join(' '), false]);
      }
      const listed = await mmsCli('sources', 'list');
      expect(listed.stdout).toContain('x\\u{1b}[2J\\u{1b}]0;owned\\u{7}\\n│ 9 │ fake row │\\u{9b}31m\\u{202e}evil\\u{7f}');
      expect(JSON.parse((await mmsCli('--json', 'sources', 'list')).stdout)[0].name).toBe(hostile);
      const unreachable = await mmsCli('--server', 'http://127.0.0.1:9', 'sources', 'list');
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/^mms: cannot reach the OpenMMS server at http:\/\/127.0.0.1:9/);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });
});
