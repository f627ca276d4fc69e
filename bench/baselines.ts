// The tools a data engineer would use by hand, timed on the same data in the same run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createPgDestination } from './data.js';

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
 * The pipe, then what proves it by hand: each engine's own checksum of the table at both ends side
 * by side (a count and a sum of 60-bit prefixes of each row's MD5), compared.
 */
export async function psqlPipeChecked(srcUrl: string, query: string, dstUrl: string, table: string): Promise<BaselineRun> {
  const copied = await psqlPipe(srcUrl, query, dstUrl, table);
  const sum = (from: string) => `SELECT count(*), sum(('x' || substr(md5(r::text), 1, 15))::bit(60)::bigint) FROM (${from}) r`;
  const checked = await timed(`diff <(psql "$SRC" -XAtc "$SRC_SUM") <(psql "$DST" -XAtc "$DST_SUM")`, { SRC: srcUrl, SRC_SUM: sum(query), DST: dstUrl, DST_SUM: sum(`SELECT * FROM ${table}`) });
  return { seconds: copied.seconds + checked.seconds };
}

/**
 * mariadb --batch (tab-separated, \\t \\n \\\\ escaped like PostgreSQL's text format, NULL as the word
 * NULL) piped into psql's COPY.
 */
export const mariadbPipe = (db: string, query: string, dstUrl: string, table: string) =>
  timed(`mariadb --batch --quick --skip-column-names -h 127.0.0.1 -P 3306 -u root "$DB" -e "$QUERY" | psql "$DST" -Xqc "\\copy $TABLE from stdin with (null 'NULL')"`, {
    DB: db, QUERY: query, DST: dstUrl, TABLE: table,
  });

/** Installs a Debian package on first use; the reason when it cannot be installed here. */
function ensurePackage(name: string): string | null {
  if (spawnSync('sh', ['-c', `command -v ${name}`]).status === 0) return null;
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  const install = spawnSync('sh', ['-c', `${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${name} || (${sudo}apt-get update -q && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${name})`], { encoding: 'utf8' });
  return install.status === 0 ? null : `${name} could not be installed: ${install.stderr.trim().split('\n').pop()}`;
}

/** pgloader (Debian package), installed on first use; skipped with the reason when it cannot run here. */
export async function pgloader(mysqlDb: string, dstUrl: string): Promise<BaselineRun | { skipped: string }> {
  const missing = ensurePackage('pgloader');
  if (missing) return { skipped: missing };
  try {
    return await timed(`pgloader --quiet "mysql://root@127.0.0.1:3306/$DB" "$DST"`, { DB: mysqlDb, DST: dstUrl });
  } catch (err) {
    return { skipped: (err as Error).message.split('\n')[0]! };
  }
}

/**
 * pgcopydb clone (Debian package) of `tables` (a partitioned table's partitions listed too: it copies
 * only the tables it is given) into a database of its own, within `timeoutSeconds`.
 */
export async function pgcopydb(srcUrl: string, tables: string[], timeoutSeconds: number): Promise<BaselineRun | { skipped: string }> {
  const missing = ensurePackage('pgcopydb');
  if (missing) return { skipped: missing };
  const dir = mkdtempSync(join(tmpdir(), 'openmms-bench-pgcopydb-'));
  const target = await createPgDestination();
  try {
    writeFileSync(join(dir, 'filters.ini'), `[include-only-table]\n${tables.map((t) => `public.${t}`).join('\n')}\n`);
    return await timed(`timeout ${timeoutSeconds} pgcopydb clone --source "$SRC" --target "$DST" --filters "$DIR/filters.ini" --dir "$DIR/work" --no-owner --no-acl --skip-extensions`, { SRC: srcUrl, DST: target.url, DIR: dir });
  } catch (err) {
    const message = (err as Error).message;
    return { skipped: message.startsWith('baseline failed (124)') ? `did not finish in ${timeoutSeconds} s` : message.split('\n')[0]! };
  } finally {
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The hand pipeline into DuckDB: psql writes the rows as a CSV file, then DuckDB runs `load` in a
 * database file of its own, given the CSV file's path and a path to write to, as quoted literals.
 */
export async function psqlThenDuckdb(srcUrl: string, query: string, load: (csv: string, out: string) => string): Promise<BaselineRun> {
  const dir = mkdtempSync(join(tmpdir(), 'openmms-bench-duckdb-'));
  try {
    const exported = await timed(`psql "$SRC" -Xqc "\\copy ($QUERY) to stdout with (format csv, header)" > "$DIR/rows.csv"`, { SRC: srcUrl, QUERY: query, DIR: dir });
    const started = performance.now();
    const duck = await DuckDBInstance.create(join(dir, 'hand.duckdb'));
    const c = await duck.connect();
    await c.run(load(`'${join(dir, 'rows.csv')}'`, `'${join(dir, 'out')}'`));
    c.closeSync();
    duck.closeSync();
    return { seconds: exported.seconds + (performance.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
