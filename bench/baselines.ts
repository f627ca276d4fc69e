// The tools a data engineer would use by hand, timed on the same data in the same run.
import { spawn, spawnSync } from 'node:child_process';

export interface BaselineRun {
  seconds: number;
}

/** Runs a shell pipeline (inputs in env, never spliced into the text); fails on any non-zero stage. */
async function timed(script: string, env: Record<string, string>): Promise<BaselineRun> {
  const started = performance.now();
  const child = spawn('bash', ['-o', 'pipefail', '-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`baseline failed (${code}): ${err.trim().slice(0, 500)}`);
  return { seconds: (performance.now() - started) / 1000 };
}

/** psql "\copy (query) to stdout" | psql "\copy table from stdin". */
export const psqlPipe = (srcUrl: string, query: string, dstUrl: string, table: string) =>
  timed(`psql "$SRC" -Xqc "\\copy ($QUERY) to stdout" | psql "$DST" -Xqc "\\copy $TABLE from stdin"`, { SRC: srcUrl, QUERY: query, DST: dstUrl, TABLE: table });

/**
 * mariadb --batch (tab-separated, \\t \\n \\\\ escaped like PostgreSQL's text format, NULL as the word
 * NULL) piped into psql's COPY.
 */
export const mariadbPipe = (db: string, query: string, dstUrl: string, table: string) =>
  timed(`mariadb --batch --quick --skip-column-names -h 127.0.0.1 -P 3306 -u root "$DB" -e "$QUERY" | psql "$DST" -Xqc "\\copy $TABLE from stdin with (null 'NULL')"`, {
    DB: db, QUERY: query, DST: dstUrl, TABLE: table,
  });

/** pgloader (Debian package), installed on first use; null with the reason when it cannot run here. */
export async function pgloader(mysqlDb: string, dstUrl: string): Promise<BaselineRun | { skipped: string }> {
  if (spawnSync('sh', ['-c', 'command -v pgloader']).status !== 0) {
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    const install = spawnSync('sh', ['-c', `${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgloader || (${sudo}apt-get update -q && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgloader)`], { encoding: 'utf8' });
    if (install.status !== 0) return { skipped: `pgloader could not be installed: ${install.stderr.trim().split('\n').pop()}` };
  }
  try {
    return await timed(`pgloader --quiet "mysql://root@127.0.0.1:3306/$DB" "$DST"`, { DB: mysqlDb, DST: dstUrl });
  } catch (err) {
    return { skipped: (err as Error).message.split('\n')[0]! };
  }
}
