import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { until } from './support/processes.js';

const run = promisify(execFile);

/** OpenMMS installed as a tool: packed, installed globally from the tarball, run in an empty folder. */
describe('the packed package', () => {
  it('holds only what runs, installs globally, and `mms serve --demo` then `mms jobs list 1` work in an empty folder', async () => {
    const work = mkdtempSync(join(tmpdir(), 'openmms-install-'));
    await run('npm', ['pack', '--pack-destination', work], { cwd: process.cwd() });
    const [tarball] = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    const files = execFileSync('tar', ['-tzf', join(work, tarball!)], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files.filter((f) => /^package\/(test|bench|scripts)\//.test(f) || /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/src/web/public/index.html');

    // npm 11 asks a global install to allow build scripts (it warns, and a later npm refuses). On
    // Node 20, better-sqlite3 12 builds its addon; on Node 22 and 24 nothing needs building (13 comes
    // prebuilt, 12 goes unused: store/sqlite-driver.ts), so scripts are skipped, as the README says.
    const prefix = join(work, 'prefix');
    const scripts = Number(process.versions.node.split('.')[0]) < 22 ? '--allow-scripts=better-sqlite3' : '--ignore-scripts';
    const install = await run('npm', ['install', '-g', '--prefix', prefix, join(work, tarball!), scripts, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: work });
    // No warnings on a supported Node (an engine range, a deprecated package).
    expect(install.stderr).not.toMatch(/warn/i);
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
  });
});
