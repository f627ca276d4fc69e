import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { adminFetch, TEST_ADMIN_ENV } from './auth.js';
import { MMS_BUILT } from './build.js';

export interface MmsProcess {
  child: ChildProcess;
  /** What the `ready` pattern matched. */
  match: RegExpExecArray;
  output(): string;
}

/** Runs the real `mms` command (built: support/build.ts, as the test administrator) and resolves once its output matches `ready`. */
export async function spawnMms(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<MmsProcess> {
  const child = spawn(process.execPath, [MMS_BUILT, ...args], { env: { ...process.env, ...TEST_ADMIN_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve(m);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`mms ${args[0]} exited with ${code}: ${out}`)));
  });
  return { child, match, output: () => out };
}

export const SERVING = /OpenMMS listening at (http:\/\/127\.0\.0\.1:\d+)/;
export const WORKING = /OpenMMS worker (\S+) taking tasks/;

/** Stops processes that still run (SIGKILL unless told otherwise) and waits for them. */
export async function stopAll(children: ChildProcess[], signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) c.kill(signal);
  await Promise.all(alive.map((c) => once(c, 'exit')));
}

/** A JSON client for one server's MMS API (signed as the test administrator) that fails the test on any non-200 answer. */
export function mmsClient(base: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await adminFetch(`${base}/api/v1/mms${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const json = (await res.json()) as { data: any; message?: string };
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${json.message}`);
    return json.data;
  };
}

/**
 * Polls until `what` holds, every 100 ms. Tests wait on conditions, not on time: the limit (the
 * suite's test timeout, vitest.config.ts) only keeps a test that can never pass from hanging the run,
 * and is far beyond what any condition takes on a machine busy with other work.
 */
export async function until(what: () => Promise<boolean>, limitMs = 600_000): Promise<void> {
  for (const deadline = Date.now() + limitMs; Date.now() < deadline; ) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the condition never held');
}
