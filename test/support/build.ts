import { execFileSync } from 'node:child_process';

/**
 * Vitest's global setup: the processes the tests start (servers, workers, the `mms` command) run
 * the build `npm start` runs, brought up to date once here (tsc -b: incremental, nothing to do when
 * nothing changed). From source through a loader, each one cost a second or more of CPU to start.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], { stdio: 'inherit' });
}

/** The built `mms` command, as `node <this> <args>` runs it. */
export const MMS_BUILT = 'dist/cli/main.js';
