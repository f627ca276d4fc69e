import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MARIADB } from './mariadb.js';

/**
 * A query's rows as the engines' own command-line clients print them, one line each (tab between
 * values): what a test compares at both ends of a copy, so that none of OpenMMS's readers vouches
 * for its own work.
 */

const run = promisify(execFile);
const BIG = { maxBuffer: 1024 ** 3 };

/** psql's COPY text of `select`. */
export async function psqlLines(url: string, select: string): Promise<string> {
  return (await run('psql', [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', `COPY (${select}) TO STDOUT`], BIG)).stdout;
}

/** The mariadb client's batch output of `select` (no column names). */
export async function mariadbLines(database: string, select: string): Promise<string> {
  const password = MARIADB.password ? [`--password=${MARIADB.password}`] : [];
  return (await run('mariadb', ['-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.user, ...password, '-N', '-B', '-e', select, database], BIG)).stdout;
}

/** null when both texts are the same; else the line count of each and the first line that differs. */
export function firstDifference(want: string, got: string): string | null {
  if (want === got) return null;
  const [a, b] = [want.split('\n'), got.split('\n')];
  const i = a.findIndex((line, k) => line !== b[k]);
  const at = i === -1 ? a.length : i;
  return `${a.length} lines wanted, ${b.length} got; line ${at + 1}: wanted ${JSON.stringify(a[at])}, got ${JSON.stringify(b[at])}`;
}
