import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbResourcesFrom, useDuckdbResources } from '../../src/connectors/duckdb/resources.js';
import { mms, TestApi } from '../support/api.js';
import { compareBig } from '../support/compare-big.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

/**
 * The default destination (a DuckDB file) and the lake, which runs on DuckDB too, take a table
 * several times larger than DuckDB's memory limit: DuckDB spills what it can and the rest fits.
 * The least memory allowed for one DuckDB thread: 700,000 rows of 8 columns (110 MB in
 * PostgreSQL) is more than four times that; with 8 MB CSV buffers the load failed there.
 */
const LIMIT = { OPENMMS_DUCKDB_MEMORY: '24MB', OPENMMS_DUCKDB_THREADS: '1' };
const ROWS = 700_000;

/** The columns as psql prints them (COPY) and as DuckDB prints the same values: a whole double is `1` in one and `1.0` in the other. */
const PG_COLUMNS = ['id', 'qty', 'price', 'ratio', 'name', 'created', 'attrs', 'note'];
const DUCK_COLUMNS = PG_COLUMNS.map((c) => (c === 'ratio' ? `regexp_replace(CAST(ratio AS VARCHAR), '\\.0$', '')` : c));

describe(`DuckDB and lake destinations within ${LIMIT.OPENMMS_DUCKDB_MEMORY} of DuckDB memory`, () => {
  let src: Awaited<ReturnType<typeof createPgDatabase>>;
  let tableBytes = 0;

  beforeAll(async () => {
    useDuckdbResources(duckdbResourcesFrom(LIMIT, 4));
    src = await createPgDatabase('openmms_duckmem');
    await pgQuery(src.url, `
      CREATE TABLE wide (id bigint PRIMARY KEY, qty integer, price numeric(12,2), ratio double precision, name text, created timestamp, attrs jsonb, note text);
      INSERT INTO wide SELECT g, g % 1000, (g % 100000) / 100.0, g / 7.0, 'customer-' || md5(g::text), timestamp '2020-01-01' + g * interval '1 second',
        jsonb_build_object('k', g % 17, 'tag', 't' || (g % 5)), CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ' || g END FROM generate_series(1, ${ROWS}) g;
      CREATE TABLE orders (id bigint, region text, amount numeric(10,2)) PARTITION BY LIST (region);
      CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
      CREATE TABLE orders_us PARTITION OF orders FOR VALUES IN ('us');
      INSERT INTO orders SELECT g, (ARRAY['eu','us'])[1 + g % 2], g / 4.0 FROM generate_series(1, 20000) g;
      CREATE TABLE small AS SELECT g AS id, 'x' || g AS v FROM generate_series(1, 1000) g;
      ANALYZE;
    `);
    tableBytes = Number((await pgQuery(src.url, `SELECT pg_table_size('wide') AS n`))[0].n);
  });
  afterAll(async () => {
    await src?.drop();
  });

  it('the table is several times larger than the limit', () => {
    expect(tableBytes).toBeGreaterThan(4 * 24e6);
  });

  for (const destination of ['DUCKDB', 'LAKE'] as const) {
    it(`${destination === 'DUCKDB' ? 'the embedded default (DuckDB)' : 'a lake'}: DONE on a fresh server, and again after other copies`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'openmms-duckmem-'));
      const api = await TestApi.start('sqlite', root, { runJobs: true });
      try {
        const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
          const res = await api.call(method, mms(path), body);
          expect(res.status, res.text).toBe(200);
          return res.body.data;
        };
        const config = { source: src.conn, ...(destination === 'LAKE' && { destination: { type: 'LAKE', path: 'lake' } }) };
        const { dataSourceId: id } = await call('POST', '/datasources', { name: 'big', type: 'POSTGRESQL', config });
        await call('POST', `/datasources/${id}/scans`, { dbName: 'public' });
        await api.app.scans.idle();
        const copy = async (name: string, tables: string[]) => {
          const { jobId } = await call('POST', `/datasources/${id}/jobs`, { name, srcDbName: 'public', tables, increment: false });
          await api.app.runner!.idle();
          const job = await call('GET', `/datasources/${id}/jobs/${jobId}`);
          const tasks = await call('GET', `/datasources/${id}/tasks?jobId=${jobId}`);
          expect([job.status, tasks.objectList.map((t: { errMsg: string }) => t.errMsg).filter(Boolean)]).toEqual(['DONE', []]);
        };
        const compare = async () => {
          const at = destination === 'DUCKDB' ? join(api.serviceDir, 'destinations', `source-${id}.duckdb`) : '';
          const from = destination === 'DUCKDB' ? 'main.wide' : `read_parquet('${join(root, 'lake', 'wide')}/*.parquet', hive_partitioning = false)`;
          expect(await compareBig({ at: src.url, from: 'wide', columns: PG_COLUMNS }, { at: at || ':memory:', from, columns: DUCK_COLUMNS })).toBe(ROWS);
        };

        await copy('fresh', ['wide']);
        await compare();
        await copy('others', ['orders', 'small']);
        await copy('again', ['wide']);
        await compare();
        // Nothing DuckDB spilled, nor any CSV file, stays behind in the service's folder.
        expect(readdirSync(join(api.serviceDir, 'tmp'))).toEqual([]);
      } finally {
        await api.close();
      }
    });
  }
});
