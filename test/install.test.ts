import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { until } from './support/processes.js';

const run = promisify(execFile);

/** The final stage of the Dockerfile: its instructions, by keyword (ENV and others joined). */
function dockerRuntime() {
  const lines = readFileSync('Dockerfile', 'utf8').replace(/\\\n\s*/g, ' ').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const stages = lines.filter((l) => l.startsWith('FROM '));
  const last = lines.slice(lines.lastIndexOf(stages.at(-1)!));
  const of = (k: string) => last.filter((l) => l.startsWith(`${k} `)).map((l) => l.slice(k.length + 1).trim());
  const env = Object.fromEntries(of('ENV').flatMap((l) => [...l.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));
  return { stages: stages.length, env, user: of('USER').at(-1), volume: of('VOLUME'), expose: of('EXPOSE'), cmd: JSON.parse(of('CMD').at(-1)!) as string[], healthcheck: JSON.parse(of('HEALTHCHECK').at(-1)!.replace(/^.*CMD /, '')) as string[] };
}

/**
 * Where better-sqlite3's install script looks for its prebuilt addon (a release download a user's
 * machine reaches; this one reaches no such host, and would compile it for two minutes instead):
 * a local mirror, as offline installs set one with `npm_config_better_sqlite3_binary_host`. It
 * serves the addon `npm ci` made here for this Node, under the name the script asks for, and
 * nothing else (another version or Node: 404, and the script compiles it).
 */
async function addonMirror(work: string): Promise<{ url: string; close: () => void }> {
  const pkg = join(process.cwd(), 'node_modules', 'better-sqlite3-node20');
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string };
  const asset = `/v${version}/better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const tarball = join(work, 'addon.tar.gz');
  if (existsSync(join(pkg, 'build', 'Release', 'better_sqlite3.node'))) execFileSync('tar', ['-czf', tarball, '-C', pkg, 'build/Release/better_sqlite3.node']);
  const server = createServer((req, res) => {
    if (req.url !== asset || !existsSync(tarball)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(readFileSync(tarball));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** The systemd unit: ExecStart and the Environment= settings. */
function unit() {
  const text = readFileSync('deploy/openmms.service', 'utf8');
  const env = Object.fromEntries([...text.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  return { text, env, execStart: /^ExecStart=(.*)$/m.exec(text)![1]!.split(' ') };
}

/** OpenMMS installed as a tool: packed, installed globally from the tarball, run in an empty folder. */
describe('the packed package', () => {
  it('holds only what runs, installs globally, and `mms serve --demo` then `mms jobs list 1` work in an empty folder', async () => {
    const work = mkdtempSync(join(tmpdir(), 'openmms-install-'));
    // Packs the build the global setup made (test/support/build.ts): prepack's clean build would
    // take dist away from under the servers other test files run from it.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: process.cwd() });
    const [tarball] = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    const files = execFileSync('tar', ['-tzf', join(work, tarball!)], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files.filter((f) => /^package\/(test|bench|scripts)\//.test(f) || /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/src/web/public/index.html');

    // npm 11 asks a global install to allow build scripts (it warns, and a later npm refuses). On
    // Node 20, better-sqlite3 12's install script fetches its prebuilt addon (or builds one where it
    // cannot); on Node 22 and 24 nothing needs building (13 comes prebuilt, 12 goes unused:
    // store/sqlite-driver.ts), so scripts are skipped, as the README says.
    const prefix = join(work, 'prefix');
    const scripts = Number(process.versions.node.split('.')[0]) < 22 ? '--allow-scripts=better-sqlite3' : '--ignore-scripts';
    const mirror = await addonMirror(work);
    const install = await run('npm', ['install', '-g', '--prefix', prefix, join(work, tarball!), scripts, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: work, env: { ...process.env, npm_config_better_sqlite3_binary_host: mirror.url } }).finally(() => mirror.close());
    // No warnings on a supported Node (an engine range, a deprecated package).
    // (npm names the mirror's setting, which is not its own: the one line this test causes itself.)
    expect(install.stderr.replace(/^npm warn Unknown env config "better-sqlite3-binary-host".*\n/m, '')).not.toMatch(/warn/i);
    const mms = join(prefix, 'bin', 'mms');
    const empty = join(work, 'empty');
    mkdirSync(empty);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENMMS_')));
    const server = spawn(mms, ['serve', '--demo', '--port', '0', '--log-format', 'json'], { cwd: empty, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout.on('data', (d) => (out += d));
    server.stderr.on('data', (d) => (out += d));
    try {
      await until(async () => out.includes('Demo: data source'));
      const base = /OpenMMS listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
      // The mms command finds the administrator's key the first start wrote into ./data.
      await until(async () => JSON.parse((await run(mms, ['--server', base, '--json', 'jobs', 'list', '1'], { cwd: empty, env })).stdout)[0]?.status === 'DONE');
      const jobs = JSON.parse((await run(mms, ['--server', base, '--json', 'jobs', 'list', '1'], { cwd: empty, env })).stdout);
      expect(jobs).toMatchObject([{ id: 1, name: 'demo', status: 'DONE' }]);
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }

    // The container image and the systemd unit start the installed command as this test does
    // (no image can be built here: no daemon, no base image to pull).
    const image = dockerRuntime();
    expect(image).toMatchObject({ stages: 2, user: 'node', volume: [image.env.OPENMMS_DATA_DIR], expose: [image.env.OPENMMS_PORT], cmd: ['mms', 'serve'] });
    const service = unit();
    expect(service.execStart).toEqual(['/usr/local/bin/mms', 'serve']);
    expect(service.text).toMatch(/^DynamicUser=yes$/m);
    expect(service.env.OPENMMS_DATA_DIR).toBe(`/var/lib/${/^StateDirectory=(.*)$/m.exec(service.text)![1]}`);
    // systemd's own check of the unit, with ExecStart at this test's install.
    const checked = join(work, 'openmms.service');
    writeFileSync(checked, service.text.replace(/^ExecStart=\/usr\/local\/bin\/mms/m, `ExecStart=${mms}`));
    const verify = await run('systemd-analyze', ['verify', checked]).catch((err: { stderr: string }) => ({ stderr: err.stderr }));
    expect(verify.stderr).toBe('');
    for (const [what, command, settings] of [['image', image.cmd, image.env], ['unit', service.execStart, service.env]] as const) {
      // The data folder (the volume, the state directory) is a fresh one here, and the port any free one.
      const data = mkdtempSync(join(work, `${what}-data-`));
      const child = spawn(mms, command.slice(1), { cwd: data, env: { ...env, ...settings, OPENMMS_DATA_DIR: data, OPENMMS_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      child.stdout.on('data', (d) => (log += d));
      child.stderr.on('data', (d) => (log += d));
      try {
        await until(async () => /OpenMMS listening at http:\/\/[\d.]+:(\d+)/.test(log) || child.exitCode !== null);
        const port = /OpenMMS listening at http:\/\/[\d.]+:(\d+)/.exec(log)![1]!;
        expect([what, log]).toEqual([what, expect.stringContaining(`listening at http://${settings.OPENMMS_HOST}:${port}`)]);
        expect(statSync(join(data, 'admin-access-key.json')).mode & 0o777).toBe(0o600);
        if (what === 'image') {
          // The image's health check, as Docker runs it.
          const health = await run(image.healthcheck[0]!, image.healthcheck.slice(1), { env: { ...env, OPENMMS_PORT: port } }).then(() => 0, () => 1);
          expect(health).toBe(0);
        }
        // JSON log lines, and no line for each request at the default level.
        expect(log.split('\n').filter((l) => l.startsWith('{')).length).toBeGreaterThan(0);
      } finally {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
    }
  });
});

/** The mtime of every file under `dir`, by path. */
const mtimes = (dir: string) =>
  Object.fromEntries((readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]).filter((e) => e.isFile()).map((e) => [join(e.parentPath, e.name), statSync(join(e.parentPath, e.name)).mtimeMs]));

describe('npm start', () => {
  it('builds once: a second start with nothing changed rebuilds nothing; the demo ends with one line saying what moved where', async () => {
    // A copy of the checkout (its own dist/), sharing node_modules.
    const work = mkdtempSync(join(tmpdir(), 'openmms-start-'));
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) cpSync(f, join(work, f), { recursive: true });
    symlinkSync(join(process.cwd(), 'node_modules'), join(work, 'node_modules'));
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENMMS_'))), OPENMMS_DATA_DIR: join(work, 'data'), OPENMMS_PORT: '0' };
    const start = async (until_: RegExp) => {
      const child = spawn('npm', ['start'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      try {
        await until(async () => until_.test(out) || child.exitCode !== null);
        expect(out).toMatch(until_);
        return out;
      } finally {
        process.kill(-child.pid!, 'SIGTERM'); // npm, its shell and the server: one process group
        if (child.exitCode === null) await once(child, 'exit');
      }
    };
    const first = await start(/^Demo DONE: .*$/m);
    const dest = join(work, 'data', 'destinations', 'source-1.duckdb');
    expect(/^Demo DONE: .*$/m.exec(first)![0]).toMatch(
      new RegExp(`^Demo DONE: 21,000 rows in 21 partitions copied and verified into table orders of ${dest.replace(/[.]/g, '\\.')}; see job 1 at http://127\\.0\\.0\\.1:\\d+/#/sources/1/jobs/1 or with: mms --server http://127\\.0\\.0\\.1:\\d+ tasks 1 --job 1$`),
    );
    // Requests are logged at debug: the demo's own calls leave no line at info.
    expect(first).not.toMatch(/"msg":"request"|incoming request|request completed/);
    const built = mtimes(join(work, 'dist'));
    expect(Object.keys(built).length).toBeGreaterThan(50);
    await start(/OpenMMS listening at/);
    expect(mtimes(join(work, 'dist'))).toEqual(built);
  });
});
