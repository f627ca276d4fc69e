import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mms, TestApi } from '../support/api.js';
import { createPgDatabase } from '../support/stores.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { duckdbRows } from '../support/duckdb-read.js';
import { duckdbColumnLimit } from '../../src/connectors/duckdb/resources.js';

/**
 * A table of 1,102 columns: refused before the job for MariaDB (InnoDB holds 1,017), copied and
 * verified elsewhere: the verification SQL stays within SQLite's and DuckDB's expression depth.
 */
const WIDTH = 1101;
const VALUES = 'SELECT id, c0, c1100 FROM %s ORDER BY id';

describe(`a table of ${WIDTH + 1} columns`, () => {
  let api: TestApi;
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let dst: Awaited<ReturnType<typeof createPgDatabase>>;
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  const files = mkdtempSync(join(tmpdir(), 'openmms-wide-'));

  /** Columns DuckDB takes at this process's memory limit (128 MB: 162): up to 160. */
  let BROAD = 160;

  beforeAll(async () => {
    [src, dst, maria] = await Promise.all([createPgDatabase('openmms_wide_src'), createPgDatabase('openmms_wide_dst'), createMariaDatabase('openmms_wide_dst')]);
    api = await TestApi.start('sqlite', files, { runJobs: true });
    BROAD = Math.min(BROAD, duckdbColumnLimit().limit);
    const columns = Array.from({ length: WIDTH }, (_, i) => `c${i} int`).join(', ');
    execFileSync('psql', [src.url, '-qX', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE TABLE wide (id int, ${columns}); INSERT INTO wide (id, c0, c1100) VALUES (1, 1, 7), (2, 2, NULL);
      CREATE TABLE broad AS SELECT id, ${Array.from({ length: BROAD }, (_, i) => `c${i}`).join(', ')} FROM wide`]);
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([src?.drop(), dst?.drop(), maria?.drop()]);
  });

  async function source(to: string, destination: object): Promise<number> {
    const created = await api.call('POST', mms('/datasources'), { name: `wide-${to}`, type: 'POSTGRESQL', config: { source: src.conn, destination: { type: to, ...destination } } });
    expect(created.status, created.text).toBe(200);
    const id = created.body.data.dataSourceId as number;
    await api.call('POST', mms(`/datasources/${id}/scans`));
    await api.app.scans.idle();
    return id;
  }

  it('MariaDB: CreateMmsJob and PreviewMmsJob refuse it, saying why', async () => {
    const id = await source('MYSQL', { ...MARIADB, database: maria.name });
    const body = { name: 'wide', srcDbName: 'public', dstDbName: maria.name, tables: ['wide'] };
    for (const path of [`/datasources/${id}/jobs`, `/datasources/${id}/jobs/preview`]) {
      const res = await api.call('POST', mms(path), body);
      expect([res.status, res.body.message]).toEqual([400, "table 'wide' has 1102 columns, more than a MariaDB (InnoDB) table can have (1017); split it, or copy it to another destination"]);
    }
  });

  it('DuckDB: refuses a table past what its memory limit can write, and copies one within it, again and again', async () => {
    const id = await source('DUCKDB', { path: 'wide.duckdb' });
    const body = (tables: string[], name: string) => ({ name, srcDbName: 'public', dstDbName: 'main', tables, increment: false });
    const refused = await api.call('POST', mms(`/datasources/${id}/jobs`), body(['wide'], 'wide'));
    expect([refused.status, refused.body.message]).toEqual([400, expect.stringMatching(/^table 'wide' has 1102 columns, more than DuckDB can write within its memory limit of \d+MB \(.+\), 768 KiB a column \(\d+\); raise OPENMMS_DUCKDB_MEMORY, split it, or copy it to another destination$/)]);
    for (const name of ['broad', 'again', 'third']) {
      const job = await api.call('POST', mms(`/datasources/${id}/jobs`), body(['broad'], name));
      expect(job.status, job.text).toBe(200);
      await api.app.runner!.idle();
      const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${job.body.data.jobId}`))).body.data.objectList;
      expect([name, task.status, task.errMsg]).toEqual([name, 'DONE', null]);
    }
    const read = (await duckdbRows(`SELECT id, c0, c${BROAD - 1} FROM main.broad ORDER BY id`, join(files, 'wide.duckdb'))).map((r) => r.map((v) => v ?? 'NULL').join('|'));
    expect(read).toEqual(psql(src.url, `SELECT id, c0, c${BROAD - 1} FROM broad ORDER BY id`));
  });

  const psql = (url: string, sql: string) => execFileSync('psql', [url, '-qAtX', '-F', '|', '-P', 'null=NULL', '-c', sql], { encoding: 'utf8' }).trim().split('\n');
  const READ: Record<string, () => Promise<string[]> | string[]> = {
    POSTGRESQL: () => psql(dst.url, VALUES.replace('%s', 'copies.wide')),
    SQLITE: () => execFileSync('sqlite3', ['-readonly', '-nullvalue', 'NULL', join(files, 'wide.sqlite'), VALUES.replace('%s', 'wide')], { encoding: 'utf8' }).trim().split('\n'),
    LAKE: async () => (await duckdbRows(VALUES.replace('%s', `read_parquet('${join(files, 'lake', 'wide')}/*.parquet')`))).map((r) => r.map((v) => v ?? 'NULL').join('|')),
  };

  it.each(Object.keys(READ))('%s: copied and verified, the values read back by its own client', async (to) => {
    const destination = { POSTGRESQL: dst.conn, SQLITE: { path: 'wide.sqlite' }, LAKE: { path: 'lake' } }[to]!;
    const id = await source(to, destination);
    const dstDbName = { POSTGRESQL: 'copies', SQLITE: 'main', LAKE: 'default' }[to];
    const job = await api.call('POST', mms(`/datasources/${id}/jobs`), { name: 'wide', srcDbName: 'public', dstDbName, tables: ['wide'] });
    expect(job.status, job.text).toBe(200);
    await api.app.runner!.idle();
    const [task] = (await api.call('GET', mms(`/datasources/${id}/tasks?jobId=${job.body.data.jobId}`))).body.data.objectList;
    expect([task.status, task.errMsg]).toEqual(['DONE', null]);
    expect(await READ[to]!()).toEqual(psql(src.url, VALUES.replace('%s', 'wide')));
  });
});
