import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { SqliteDatabase } from '../src/store/sqlite-driver.js';
import { openDuck } from '../src/connectors/duckdb/connect.js';
import { SERVING, spawnMms, until } from './support/processes.js';
import { MMS_BUILT } from './support/build.js';
import { adminFetch, TEST_ADMIN, TEST_ADMIN_ENV } from './support/auth.js';
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

/** The `mms` command (built), in `cwd` (the checkout unless given), with `env` on top of this process's. */
const mms = (args: string[], env: NodeJS.ProcessEnv = TEST_ADMIN_ENV, cwd = process.cwd()) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(process.cwd(), MMS_BUILT), ...args], { cwd, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('mms, the command', () => {
  it('says its version, and exits 2 (usage) for what it cannot parse, with the reason', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await mms(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(await mms(['-v'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect((await mms(['--help'])).code).toBe(0);
    const usage: [string[], RegExp][] = [
      [[], /Usage: mms/],
      [['nope'], /unknown command 'nope'/],
      [['jobs', 'list'], /missing required argument 'sourceId'/],
      [['jobs', 'list', '1', '--bogus'], /unknown option '--bogus'/],
      [['jobs', 'list', '1', '--status', 'RUNNING'], /Allowed choices are INIT, DOING, DONE, FAILED/],
      [['jobs', 'list', '1', '--stopped', '--running'], /--stopped and --running exclude each other/],
      [['jobs', 'list', '1', '--page', '0'], /'0' is not an id/],
      [['jobs', 'get', '1', '1e3'], /'1e3' is not an id/],
      [['get', '1', 'column', '2'], /Allowed choices are db, table, partition, task, timer, scan/],
      [['serve', '--log-format', 'xml'], /Allowed choices are pretty, json/],
      [['timers', 'create', '1', '--type', 'Daily', '--value', '03:00', '--body', '{nope'], /not valid JSON: \{nope/],
      [['completion', 'powershell'], /Allowed choices are bash, zsh, fish/],
    ];
    const results = await Promise.all(usage.map(([args]) => mms(args)));
    usage.forEach(([args, message], i) => expect([args.join(' '), results[i]!.code, message.test(results[i]!.stderr)]).toEqual([args.join(' '), 2, true]));
  });

  it('completes commands, options and their values in bash, zsh and fish', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openmms-completion-'));
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await mms(['completion', shell]);
      expect(r.code, r.stderr).toBe(0);
      writeFileSync(join(dir, shell), r.stdout);
    }
    // Each shell asked as it asks at a TAB: the words typed so far, the last one being completed.
    const bash = (...words: string[]) =>
      execFileSync('bash', ['-c', `source ${join(dir, 'bash')}; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mms; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', ...words], { encoding: 'utf8' }).split('\n').filter(Boolean);
    // zsh's compadd filters by the typed prefix itself; the test's stand-in prints what it was given.
    const zsh = (...words: string[]) =>
      execFileSync('zsh', ['-c', `source ${join(dir, 'zsh')}; compadd() { shift; print -l -- "$@" | grep -- "^\${words[CURRENT]}" }; _default() { print '(files)' }; words=("$@"); CURRENT=$#; _mms`, 'zsh', ...words], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const fish = (line: string) => execFileSync('fish', ['-c', `source ${join(dir, 'fish')}; complete -C'${line}'`], { encoding: 'utf8' }).split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
    const cases: [string[], string[]][] = [
      [['mms', 'jo'], ['jobs']],
      [['mms', 'jobs', 'li'], ['list']],
      [['mms', '--json', 'jobs', 'list', '1', '--st'], ['--status', '--stopped']],
      [['mms', 'jobs', 'list', '1', '--status', 'D'], ['DOING', 'DONE']],
      [['mms', 'sources', 'create', '--type', 'P'], ['POSTGRESQL']],
      [['mms', 'get', '1', 'pa'], ['partition']],
      [['mms', 'completion', 'z'], ['zsh']],
      [['mms', 'tables', '2', '--db', 'x', '--page-'], ['--page-size']],
    ];
    for (const [words, expected] of cases) {
      expect([words.join(' '), 'bash', bash(...words).sort()]).toEqual([words.join(' '), 'bash', expected]);
      expect([words.join(' '), 'zsh', zsh(...words).sort()]).toEqual([words.join(' '), 'zsh', expected]);
      expect([words.join(' '), 'fish', fish(words.join(' ')).sort()]).toEqual([words.join(' '), 'fish', expected]);
    }
    // An option whose value nothing can list (a URL) leaves it to the shell: files, not command names.
    expect(bash('mms', '--server', '')).toEqual([]);
    expect(zsh('mms', '--server', '')).toEqual(['(files)']);
  });
});

describe('mms API commands', () => {
  it('drive a real server: tables for people, JSON for scripts, exit codes for failures', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-cli-api-'));
    const server = await serve(['--data-dir', dataDir, '--demo']);
    const mmsCli = (...args: string[]) => mms(['--server', server.base, ...args]);
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

      // Sizes and counts for people; --json keeps the API's numbers.
      const tables = await mmsCli('tables', '1', '--db', 'default');
      expect(tables.stdout).toMatch(/│ orders\s+│ 21\s+│ DONE\s+│ \S*\s+│ 21,000 │ [\d.]+ KiB │/);
      const [orders] = JSON.parse((await mmsCli('--json', 'tables', '1', '--db', 'default')).stdout);
      expect(orders).toMatchObject({ name: 'orders', numRows: 21000, size: expect.any(Number) });
      expect(tables.stdout).toContain(`${(orders.size / 1024).toFixed(1).replace(/\.0$/, '')} KiB`);
      // ListMmsJobs' filters, each an option; a page at a time, saying on stderr where more are.
      const jobIds = async (...args: string[]) => JSON.parse((await mmsCli('--json', 'jobs', 'list', '1', ...args)).stdout).map((j: { id: number }) => j.id);
      expect(await jobIds('--src-db', 'default', '--dst-table', 'orders', '--running')).toEqual([1]);
      expect(await jobIds('--stopped')).toEqual([]);
      expect(await jobIds('--src-table', 'nope')).toEqual([]);
      expect(await jobIds('--status', 'DONE', '--name', 'dem', '--sort-status', 'asc')).toEqual([1]);

      // Not found: exit 3, also where a filter names a database, table or job the source does not have.
      const notFound: [string[], string][] = [
        [['jobs', 'get', '1', '999'], 'mms: JobNotFound: Job 999 does not exist\n'],
        [['tables', '1', '--db', 'nope'], "mms: data source 1 has no database 'nope'\n"],
        [['partitions', '1', '--table', 'nope'], "mms: data source 1 has no table 'nope'\n"],
        [['tasks', '1', '--job', '999'], 'mms: JobNotFound: Job 999 does not exist\n'],
        [['sources', 'get', '77'], 'mms: DataSourceNotFound: DataSource 77 does not exist\n'],
      ];
      for (const [args, stderr] of notFound) expect([args.join(' '), await mmsCli(...args)]).toMatchObject([args.join(' '), { code: 3, stderr }]);
      // A filter that names something that is there but matches nothing is no error.
      expect(await mmsCli('partitions', '1', '--table', 'orders', '--status', 'FAILED')).toMatchObject({ code: 0, stdout: '(none)\n' });

      // Run elsewhere with nothing to sign with: exit 4, and where it looked, what to set.
      const elsewhere = mkdtempSync(join(tmpdir(), 'openmms-cli-elsewhere-'));
      const bare = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('OPENMMS_')).map((k) => [k, undefined]));
      const refused = await mms(['--server', server.base, 'jobs', 'list', '1'], bare, elsewhere);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain('mms: MissingAuthorization: this call needs credentials');
      expect(refused.stderr).toContain(`there is no key file at ${join(elsewhere, 'data', 'admin-access-key.json')}`);
      expect(refused.stderr).toContain('set OPENMMS_DATA_DIR to that data folder, or OPENMMS_ACCESS_KEY_FILE to the file');
      const keyDir = join(elsewhere, 'server-data');
      mkdirSync(keyDir);
      writeFileSync(join(keyDir, 'admin-access-key.json'), JSON.stringify(TEST_ADMIN));
      const found = await mms(['--server', server.base, '--json', 'jobs', 'list', '1'], { ...bare, OPENMMS_DATA_DIR: keyDir }, elsewhere);
      expect(found.code, found.stderr).toBe(0);
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
