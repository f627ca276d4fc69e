// Throughput: each engine pair against the hand-run baseline, on the same data in the same run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMariaSource, createPgDestination, createPgSource, MARIADB, pgExec, pgTableBytes } from './data.js';
import { mariadbPipe, pgcopydb, pgloader, psqlPipe, psqlPipeChecked, psqlThenDuckdb, type BaselineRun } from './baselines.js';
import { runJob, scan, startService, startWorker } from './service.js';
import { withPostgresCpu } from './engine-cpu.js';
import { randomBytes } from 'node:crypto';

export interface ThroughputRow {
  pair: string;
  table: string;
  rows: number;
  bytes: number;
  seconds: number;
  peakRss: number | null;
  /** The PostgreSQL server's CPU seconds meanwhile (both ends where both are PostgreSQL). */
  engineCpu?: number;
  /** Baseline name → its seconds (and the PostgreSQL server's CPU), or why it did not run. */
  baselines: { name: string; run: (BaselineRun & { engineCpu?: number }) | { skipped: string } }[];
}

/** pgcopydb's limit per copy (an earlier run on 10,000 partitions used up the machine's memory). */
const PGCOPYDB_TIMEOUT = 600;

const pgConn = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: u.username, database: u.pathname.slice(1) };
};

/** `only` (BENCH_ONLY): a pattern over "pair table"; cases that do not match are skipped. */
export async function throughput(rows: number, partitions: number, small: number, workers: number[], only: RegExp, log: (s: string) => void): Promise<ThroughputRow[]> {
  log(`generating ${rows.toLocaleString('en-US')} mixed-type rows (PostgreSQL, MariaDB), ${partitions} partitions of 1,000 rows and ${small} of 100`);
  const [src, maria, dst] = await Promise.all([createPgSource(rows, partitions, small), createMariaSource(rows), createPgDestination()]);
  const dataDir = mkdtempSync(join(tmpdir(), 'openmms-bench-'));
  const svc = await startService(dataDir);
  try {
    const source = async (name: string, type: string, conn: object, destination: object | undefined, dbName: string) => {
      const { dataSourceId } = await svc.call('POST', '/datasources', { name, type, config: { source: conn, ...(destination && { destination }) } });
      await scan(svc, dataSourceId, { dbName });
      return dataSourceId as number;
    };
    const pgDst = { type: 'POSTGRESQL', ...pgConn(dst.url) };
    const pgToPg = await source('pg-pg', 'POSTGRESQL', pgConn(src.url), pgDst, 'public');
    const mariaToPg = await source('maria-pg', 'MYSQL', { ...MARIADB, database: maria.name }, pgDst, maria.name);
    const pgToDuck = await source('pg-duck', 'POSTGRESQL', pgConn(src.url), { type: 'DUCKDB', path: 'bench.duckdb', database: 'main' }, 'public');
    const pgToLake = await source('pg-lake', 'POSTGRESQL', pgConn(src.url), { type: 'LAKE', path: 'lake', database: 'bench' }, 'public');
    const wideBytes = await pgTableBytes(src.url, 'wide');
    const eventBytes = await pgTableBytes(src.url, 'events');
    const smallBytes = small > 0 ? await pgTableBytes(src.url, 'small') : 0;
    const wideDdl = (schema: string) => `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.wide (id bigint, qty integer, price numeric(12,2), ratio double precision, name text, created timestamp, attrs jsonb, note text)`;
    await pgExec(dst.url, `${wideDdl('base')}; ${wideDdl('base_maria')}; CREATE TABLE base.events (day integer, id bigint, kind text, amount numeric(10,2), at timestamp); CREATE TABLE base.small (LIKE base.events)`);

    const out: ThroughputRow[] = [];
    const measure = async (pair: string, table: string, bytes: number, sourceId: number, job: object, baselines: [string, () => Promise<BaselineRun | { skipped: string }>][]) => {
      if (!only.test(`${pair} ${table}`)) return;
      log(`${pair} ${table}: OpenMMS`);
      const ours = await withPostgresCpu(() => runJob(svc, sourceId, job));
      const row: ThroughputRow = { pair, table, rows: ours.rows, bytes, seconds: ours.seconds, peakRss: ours.peakRss, engineCpu: ours.engineCpu, baselines: [] };
      for (const [name, run] of baselines) {
        log(`${pair} ${table}: ${name}`);
        row.baselines.push({ name, run: await withPostgresCpu(run) });
      }
      out.push(row);
    };
    // What the default content verification (each engine fingerprints the slice) costs: the same copy into a fresh schema, counts only.
    // Each counts-only case beside the pipe of the same table into an empty table, with both ends' PostgreSQL CPU.
    const pipeInto = (table: string) => async () => (await pgExec(dst.url, `TRUNCATE base.${table}`), psqlPipe(src.url, `SELECT * FROM ${table}`, dst.url, `base.${table}`));
    await measure('PostgreSQL → PostgreSQL, counts only', 'wide', wideBytes, pgToPg, { name: 'wide-counts', srcDbName: 'public', tables: ['wide'], dstDbName: 'ours_counts', others: { 'verify.content': false } }, [
      ['psql \\copy pipe', pipeInto('wide')],
    ]);
    // Cut into chunks by its primary key (the defaults: 2,000,000 rows or 128 MB), each verified before its commit.
    await measure('PostgreSQL → PostgreSQL', 'wide (in chunks, verified)', wideBytes, pgToPg, { name: 'wide', srcDbName: 'public', tables: ['wide'], dstDbName: 'ours', increment: false }, [
      ['psql \\copy pipe', () => psqlPipe(src.url, 'SELECT * FROM wide', dst.url, 'base.wide')],
      ['the pipe + both ends\' checksum queries', async () => (await pgExec(dst.url, 'TRUNCATE base.wide'), psqlPipeChecked(src.url, 'SELECT * FROM wide', dst.url, 'base.wide'))],
      ['pgcopydb clone', () => pgcopydb(src.url, ['wide'], PGCOPYDB_TIMEOUT)],
    ]);
    // Increments after 0.1% of the rows changed (updates, deletes and inserts spread over every
    // chunk): compared key group by key group, only the differing keys move. The first also builds
    // the B-tree its lookups need at the destination (once), the second finds it. Beside them, the
    // full verified copy and the pipe measured just above, in this run, on the same table.
    if (only.test('PostgreSQL → PostgreSQL, increment wide')) {
      const full = out.find((r) => r.table.startsWith('wide (in chunks'));
      const above = full ? [['the full verified copy (above)', async () => ({ seconds: full.seconds })], ...full.baselines.filter((b) => b.name.startsWith('psql')).map((b): [string, () => Promise<BaselineRun | { skipped: string }>] => [`${b.name} (above)`, async () => b.run])] as [string, () => Promise<BaselineRun | { skipped: string }>][] : [];
      // Half updated, a quarter deleted, a quarter inserted beyond the highest key; other rows each round.
      const changed = Math.floor(rows / 2000) + Math.floor(rows / 4000) * 2;
      for (const [round, what] of [[0, 'first increment, builds the key\'s B-tree'], [1, 'next increment']] as const) {
        const added = Math.floor(rows / 4000);
        await pgExec(src.url, `UPDATE wide SET qty = qty + 1, note = 'changed' WHERE id % 2000 = ${round * 1000}; DELETE FROM wide WHERE id % 4000 = ${1 + round * 2};
          INSERT INTO wide (id, qty, note) SELECT ${rows + round * added} + g, g, 'new' FROM generate_series(1, ${added}) g`);
        log(`${changed.toLocaleString('en-US')} rows of wide changed at the source`);
        await measure('PostgreSQL → PostgreSQL, increment', `wide, ${changed.toLocaleString('en-US')} rows changed, ${what} (rows = rows moved)`, wideBytes, pgToPg, { name: `wide-increment-${round + 1}`, srcDbName: 'public', tables: ['wide'], dstDbName: 'ours', increment: true }, above);
      }
    }
    // The same rows without a primary key: cut by pages (ctid ranges), each chunk tagged at the destination.
    if (only.test('PostgreSQL → PostgreSQL wide without a key')) {
      await pgExec(src.url, 'CREATE TABLE wide_heap AS SELECT * FROM wide; ANALYZE wide_heap');
      await scan(svc, pgToPg, { dbName: 'public', tableNames: ['wide_heap'] });
      const full = out.find((r) => r.table.startsWith('wide (in chunks'));
      await measure('PostgreSQL → PostgreSQL', 'wide without a key (in chunks by pages, verified)', await pgTableBytes(src.url, 'wide_heap'), pgToPg, { name: 'wide-heap', srcDbName: 'public', tables: ['wide_heap'], dstDbName: 'ours', increment: false },
        full ? [['the same rows keyed, in chunks by key (above)', async () => ({ seconds: full.seconds })], ...full.baselines.filter((b) => b.name.startsWith('psql') || b.name.startsWith('the pipe')).map((b): [string, () => Promise<BaselineRun | { skipped: string }>] => [`${b.name} (above)`, async () => b.run])] : []);
    }
    await measure('PostgreSQL → PostgreSQL', `events (${partitions} partitions)`, eventBytes, pgToPg, { name: 'events', srcDbName: 'public', tables: ['events'], dstDbName: 'ours' }, [
      ['psql \\copy pipe', () => psqlPipe(src.url, 'SELECT * FROM events', dst.url, 'base.events')],
      ['pgcopydb clone', () => pgcopydb(src.url, ['events', ...Array.from({ length: partitions }, (_, i) => `events_${i}`)], PGCOPYDB_TIMEOUT)],
    ]);
    await measure('PostgreSQL → PostgreSQL, counts only', `events (${partitions} partitions)`, eventBytes, pgToPg, { name: 'events-counts', srcDbName: 'public', tables: ['events'], dstDbName: 'ours_counts', others: { 'verify.content': false } }, [
      ['psql \\copy pipe', pipeInto('events')],
    ]);
    if (small > 0) {
      await measure('PostgreSQL → PostgreSQL', `small (${small} partitions)`, smallBytes, pgToPg, { name: 'small', srcDbName: 'public', tables: ['small'], dstDbName: 'ours' }, [
        ['psql \\copy pipe', () => psqlPipe(src.url, 'SELECT * FROM small', dst.url, 'base.small')],
        ['pgcopydb clone', async () => ({ skipped: 'pgcopydb 0.10 used up the 24 GB of this machine on 10,000 partitions in an earlier run, so it is not started' })],
      ]);
      await measure('PostgreSQL → PostgreSQL, counts only', `small (${small} partitions)`, smallBytes, pgToPg, { name: 'small-counts', srcDbName: 'public', tables: ['small'], dstDbName: 'ours_counts', others: { 'verify.content': false } }, [
        ['psql \\copy pipe', pipeInto('small')],
      ]);
    }
    // The same copies by a cluster: the embedded runs above are what each is held against.
    for (const [table, bytes] of [['wide', wideBytes], ['small', smallBytes]] as const) {
      if (bytes > 0 && only.test(`PostgreSQL → PostgreSQL ${table} (cluster)`)) for (const n of workers) out.push(await scaleOut(src.url, dst.url, table, n, bytes, log));
    }
    await measure('MariaDB → PostgreSQL, counts only', 'wide', wideBytes, mariaToPg, { name: 'wide-counts', srcDbName: maria.name, tables: ['wide'], dstDbName: 'ours_maria_counts', others: { 'verify.content': false } }, []);
    await measure('MariaDB → PostgreSQL', 'wide', wideBytes, mariaToPg, { name: 'wide', srcDbName: maria.name, tables: ['wide'], dstDbName: 'ours_maria', increment: false }, [
      ['mariadb --batch | psql', () => mariadbPipe(maria.name, 'SELECT * FROM wide', dst.url, 'base_maria.wide')],
      ['pgloader', () => pgloader(maria.name, dst.url)],
    ]);
    // Across engines the fingerprints are portable texts hashed with MD5 (verification/canonical.ts): the same comparison.
    await measure('PostgreSQL → DuckDB, counts only', 'wide', wideBytes, pgToDuck, { name: 'wide-counts', srcDbName: 'public', tables: ['wide'], dstDbName: 'counts', others: { 'verify.content': false } }, []);
    await measure('PostgreSQL → DuckDB', 'wide', wideBytes, pgToDuck, { name: 'wide', srcDbName: 'public', tables: ['wide'], increment: false }, [
      ['psql CSV file + DuckDB read_csv', () => psqlThenDuckdb(src.url, 'SELECT * FROM wide', (csv) => `CREATE TABLE wide AS SELECT * FROM read_csv(${csv})`)],
    ]);
    await measure('PostgreSQL → DuckDB', `events (${partitions} partitions)`, eventBytes, pgToDuck, { name: 'events', srcDbName: 'public', tables: ['events'] }, [
      ['psql CSV file + DuckDB read_csv', () => psqlThenDuckdb(src.url, 'SELECT * FROM events', (csv) => `CREATE TABLE events AS SELECT * FROM read_csv(${csv})`)],
    ]);
    // The embedded default destination, again and again on one server: each run must end DONE.
    const pgToDefault = await source('pg-default', 'POSTGRESQL', pgConn(src.url), undefined, 'public');
    for (let run = 1; run <= 5; run++) {
      await measure('PostgreSQL → default DuckDB, one server', `wide (run ${run} of 5)`, wideBytes, pgToDefault, { name: `wide-${run}`, srcDbName: 'public', tables: ['wide'], increment: false }, []);
    }
    await measure('PostgreSQL → lake (Parquet)', 'wide', wideBytes, pgToLake, { name: 'wide', srcDbName: 'public', tables: ['wide'] }, [
      ['psql CSV file + DuckDB COPY TO parquet', () => psqlThenDuckdb(src.url, 'SELECT * FROM wide', (csv, out) => `COPY (SELECT * FROM read_csv(${csv})) TO ${out} (FORMAT parquet)`)],
    ]);
    await measure('PostgreSQL → lake (Parquet)', `events (${partitions} partitions)`, eventBytes, pgToLake, { name: 'events', srcDbName: 'public', tables: ['events'] }, [
      ['psql CSV file + DuckDB COPY TO parquet', () => psqlThenDuckdb(src.url, 'SELECT * FROM events', (csv, out) => `COPY (SELECT * FROM read_csv(${csv})) TO ${out} (FORMAT parquet, PARTITION_BY (day))`)],
    ]);
    return out;
  } finally {
    await svc.stop();
    await Promise.all([src.drop(), maria.drop(), dst.drop()]);
  }
}

/**
 * Scale-out: `table` (wide: in chunks; small: many small partitions) copied PostgreSQL → PostgreSQL
 * by `n` cluster workers on a PostgreSQL store, with each worker's CPU time (the engines share the
 * same 2 cores).
 */
async function scaleOut(srcUrl: string, dstUrl: string, table: string, n: number, bytes: number, log: (s: string) => void): Promise<ThroughputRow> {
  const store = await createPgDestination();
  const env = { OPENMMS_STORE_URL: store.url, OPENMMS_SECRET_KEY: randomBytes(32).toString('hex'), OPENMMS_DATA_DIR: mkdtempSync(join(tmpdir(), 'openmms-bench-workers-')) };
  const svc = await startService(env.OPENMMS_DATA_DIR, env);
  const workers = await Promise.all(Array.from({ length: n }, () => startWorker(env)));
  try {
    const { dataSourceId } = await svc.call('POST', '/datasources', { name: 'pg-pg', type: 'POSTGRESQL', config: { source: pgConn(srcUrl), destination: { type: 'POSTGRESQL', ...pgConn(dstUrl) } } });
    await scan(svc, dataSourceId, { dbName: 'public', tableNames: [table] });
    log(`PostgreSQL → PostgreSQL ${table}, cluster of ${n} worker(s): OpenMMS`);
    const before = workers.map((w) => w.cpuSeconds());
    const ours = await withPostgresCpu(() => runJob(svc, dataSourceId, { name: table, srcDbName: 'public', tables: [table], dstDbName: `workers_${n}`, increment: false }));
    const busy = workers.map((w, i) => (w.cpuSeconds() - before[i]!).toFixed(1)).join(' + ');
    return { pair: `PostgreSQL → PostgreSQL, ${n} worker(s), PostgreSQL store`, table: `${table} (worker CPU s: ${busy})`, rows: ours.rows, bytes, seconds: ours.seconds, peakRss: null, engineCpu: ours.engineCpu, baselines: [] };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await svc.stop();
    await store.drop();
  }
}
