import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { TestApi } from '../support/api.js';
import { TEST_ADMIN } from '../support/auth.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { createPgDatabase } from '../support/stores.js';

type PgDb = Awaited<ReturnType<typeof createPgDatabase>>;

async function pgQuery(url: string, sql: string): Promise<unknown[][]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query({ text: sql, rowMode: 'array' })).rows;
  } finally {
    await c.end();
  }
}

const ROWS = { eu: 120, us: 80, ap: 50 };

// The console in a real headless Chromium against the real server (embedded runner, SQLite store)
// migrating between two real PostgreSQL databases.
describe('web console', () => {
  let api: TestApi;
  let src: PgDb;
  let dst: PgDb;
  let browser: Browser;
  let page: Page;
  let base: string;
  const errors: string[] = [];

  beforeAll(async () => {
    src = await createPgDatabase('openmms_web_src');
    dst = await createPgDatabase('openmms_web_dst');
    await pgQuery(
      src.url,
      `CREATE TABLE sales (id int, region text, amount numeric(10,2), note text) PARTITION BY LIST (region);
       ${Object.keys(ROWS).map((r) => `CREATE TABLE sales_${r} PARTITION OF sales FOR VALUES IN ('${r}');`).join('\n')}
       ${Object.entries(ROWS).map(([r, n]) => `INSERT INTO sales SELECT g, '${r}', g * 1.25, 'n' || g FROM generate_series(1, ${n}) g;`).join('\n')}
       CREATE TABLE customers (id int PRIMARY KEY, name text);
       INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 10) g;`,
    );
    api = await TestApi.start('sqlite', undefined, { runJobs: true });
    base = await api.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    page.setDefaultTimeout(600_000); // actions wait on the page; the limit only stops a run that hangs
    page.on('pageerror', (e) => errors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await src?.drop();
    await dst?.drop();
  });

  const fillConnection = async (side: 'Source' | 'Destination', db: PgDb, database = db.name) => {
    await page.getByLabel(`${side} host`).fill(db.conn.host);
    await page.getByLabel(`${side} port`).fill(String(db.conn.port));
    await page.getByLabel(`${side} user`).fill(db.conn.user);
    await page.getByLabel(`${side} database`).fill(database);
  };

  it('asks for an access key, refuses a wrong one, and logs in', async () => {
    await page.goto(`${base}/console/#/sources/new`);
    await page.getByLabel('Access key id').fill(TEST_ADMIN.accessKeyId);
    await page.getByLabel('Access key secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('InvalidAccessKey: the access key id or secret is wrong');
    await screenshot(page, '00-login');
    await page.getByLabel('Access key secret').fill(TEST_ADMIN.accessKeySecret);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Add a data source');
  });

  it('adds a data source after a connection test, and reports a failing one', async () => {
    await page.goto(`${base}/console/#/sources/new`);
    await page.getByLabel('Name').fill('shop');
    await page.getByLabel('Source type').selectOption('POSTGRESQL');
    await fillConnection('Source', src, `${src.name}_missing`);
    await page.getByLabel('Destination type').selectOption('POSTGRESQL');
    await fillConnection('Destination', dst);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^ConnectionFailed: .*does not exist/);

    await page.getByLabel('Source database').fill(src.name);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Connection test passed: the source and the destination both answer.');
    await screenshot(page, '01-add-data-source');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/#\/sources\/1\/catalog$/);
  });

  it('scans the source and browses its catalog down to partitions', async () => {
    await page.goto(`${base}/console/#/sources`);
    await page.getByRole('row', { name: /shop/ }).getByRole('button', { name: 'Scan' }).click();
    await expect.poll(() => page.getByText(/^Scan done/).textContent(), { timeout: 600_000 }).toBe('Scan done: 2 tables, 3 partitions (6 added, 0 updated, 0 dropped)');
    await screenshot(page, '02-data-sources');

    await page.getByRole('link', { name: 'Catalog' }).click();
    await page.getByRole('cell', { name: 'public' }).click();
    await expect.poll(() => page.locator('tbody tr td:first-child').allTextContents()).toEqual(['customers', 'sales']);
    await page.getByRole('cell', { name: 'sales', exact: true }).click();
    await expect.poll(() => page.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(['region=ap', 'region=eu', 'region=us']);
    await page.getByLabel('Partition value contains').fill('u');
    await expect.poll(() => page.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(['region=eu', 'region=us']);
    await screenshot(page, '03-catalog-partitions');
  });

  it('creates a partition-filtered job with live validation and a preview, and watches it reach DONE', async () => {
    await page.goto(`${base}/console/#/sources/1/jobs/new`);
    await page.getByLabel('Job name').fill('eu-and-us');
    await page.getByLabel('Source database').selectOption('public');
    await page.getByLabel('Destination database').fill('copied');
    await page.getByLabel('Only these tables').selectOption(['sales']);
    await expect.poll(() => page.locator('#preview').textContent()).toContain('Would match 3 partitions in 1 table');

    await page.getByLabel('Filter table').selectOption('sales');
    const filter = page.getByLabel('Partition filter');
    await filter.fill("regoin in ('eu', 'us')");
    await expect.poll(() => page.locator('.filter-row [role=alert]').textContent()).toBe("'regoin' is not a partition column (partition columns: region) at position 1");
    await filter.fill("region in ('eu', 'us'");
    await expect.poll(() => page.locator('.filter-row [role=alert]').textContent()).toBe("expected ',' or ')' but found the end of the filter at position 22");
    await filter.fill("region in ('eu', 'us')");
    await expect.poll(() => page.locator('#preview').textContent()).toContain('Would match 2 partitions in 1 table; a run copies 2 of them in 1 task');
    await expect(page.locator('.filter-row [role=alert]').count()).resolves.toBe(0);
    await page.getByLabel('Verify contents (checksum)').check();
    await screenshot(page, '04-job-form');

    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/#\/sources\/1\/jobs\/1$/);
    await expect.poll(() => page.locator('#job-status').textContent(), { timeout: 600_000 }).toBe('DONE');
    await expect.poll(() => page.locator('.stat').allTextContents()).toEqual(expect.arrayContaining(['Tasks1 / 1', 'Partitions2 / 2', 'Rows200']));
    await page.getByRole('cell', { name: 'sales → sales' }).click();
    await expect.poll(() => page.locator('pre.logs').textContent()).toContain('copied partition region=eu: 120 rows');
    await screenshot(page, '05-job-done');

    expect(await pgQuery(dst.url, `SELECT region, count(*)::int FROM copied.sales GROUP BY region ORDER BY region`)).toEqual([['eu', 120], ['us', 80]]);
  });

  it('surfaces a verification failure on the job page and in the job list', async () => {
    await pgQuery(dst.url, `DELETE FROM copied.sales WHERE id IN (1, 2) AND region = 'eu'`);
    await page.goto(`${base}/console/#/sources/1/jobs/new?db=public&tables=sales`);
    await page.getByLabel('Job name').fill('check');
    await page.getByLabel('Destination database').fill('copied');
    await page.getByLabel('Verify only (copy nothing)').check();
    await page.getByLabel('Filter table').selectOption('sales');
    await page.getByLabel('Partition filter').fill("region <> 'ap'");
    // Verify-only checks everything it matches, copied before or not.
    await expect.poll(() => page.locator('#preview').textContent()).toContain('Would match 2 partitions in 1 table; a run copies 2 of them');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/#\/sources\/1\/jobs\/2$/);
    await expect.poll(() => page.locator('#job-status').textContent(), { timeout: 600_000 }).toBe('FAILED');
    await expect.poll(() => page.locator('#job-errors').textContent()).toContain('sales: verification failed for partition region=eu: the source has 120 rows, the destination 118');
    await page.getByRole('cell', { name: 'sales → sales' }).click();
    await expect.poll(() => page.locator('pre.logs').textContent()).toMatch(/ERROR\s+verification failed for partition region=eu/);
    await screenshot(page, '06-verification-failure');

    await page.goto(`${base}/console/#/sources/1/jobs`);
    await page.getByLabel('Status', { exact: true }).selectOption('FAILED');
    await expect.poll(() => page.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(['check']);
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await expect.poll(() => page.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(['check', 'eu-and-us']);
    await screenshot(page, '07-jobs');
  });

  it('serves the interactive API docs and the metrics', async () => {
    await page.goto(`${base}/docs`);
    await expect.poll(() => page.locator('.swagger-ui .title').first().textContent(), { timeout: 600_000 }).toContain('OpenMMS API');
    await expect.poll(() => page.getByText('ListMmsJobs').count()).toBeGreaterThan(0);
    await screenshot(page, '08-api-docs');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^openmms_rows_copied_total\{source_type="POSTGRESQL",destination_type="POSTGRESQL"\} 200$/m);
    expect(metrics).toMatch(/^openmms_task_failures_total\{kind="verification"\} 1$/m);
    expect(metrics).toMatch(/^openmms_jobs\{status="FAILED"\} 1$/m);
    expect(errors).toEqual([]);
  });

  it('charts the throughput of a running job, and each table at its current speed', async () => {
    // A million rows into DuckDB, each decoded on the way (a bytea column keeps them off the CSV
    // path): seconds of copying. The last partition is held by a lock so that the job is still
    // running when the chart is looked at.
    const parts = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
    await pgQuery(
      src.url,
      `CREATE TABLE events (id bigint, part text, payload text, raw bytea) PARTITION BY LIST (part);
       ${parts.map((p) => `CREATE TABLE events_${p} PARTITION OF events FOR VALUES IN ('${p}');`).join('\n')}
       INSERT INTO events SELECT g, 'p' || (1 + g % 7), md5(g::text), '\\x00' FROM generate_series(1, 1000000) g;
       INSERT INTO events VALUES (0, 'p8', 'last', NULL);`,
    );
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const res = await api.call(method, `/api/v1/mms${path}`, body);
      expect(res.status, res.text).toBe(200);
      return res.body.data;
    };
    const { dataSourceId } = await call('POST', '/datasources', { name: 'to-duckdb', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'DUCKDB', path: 'events.duckdb' } } });
    await call('POST', `/datasources/${dataSourceId}/scans`);
    await api.app.scans.idle();
    const lock = new pg.Client({ connectionString: src.url });
    await lock.connect();
    try {
      await lock.query('BEGIN; LOCK TABLE events_p8 IN ACCESS EXCLUSIVE MODE');
      const { jobId } = await call('POST', `/datasources/${dataSourceId}/jobs`, { name: 'events', srcDbName: 'public', tables: ['events'], increment: false });
      await page.goto(`${base}/console/#/sources/${dataSourceId}/jobs/${jobId}`);
      // Seven partitions copied over several points, the eighth waiting on the lock.
      await expect
        .poll(async () => (await call('GET', `/datasources/${dataSourceId}/tasks?jobId=${jobId}`)).objectList[0]?.partitionDone, { timeout: 600_000 })
        .toBe(7);
      const t = await call('GET', `/datasources/${dataSourceId}/jobs/${jobId}/throughput`);
      expect(t.running).toBe(true);
      expect(t.points.filter((p: { rowsPerSecond: number }) => p.rowsPerSecond > 0).length).toBeGreaterThanOrEqual(2);
      await expect.poll(() => page.locator('#throughput-chart canvas').count()).toBe(1);
      await expect.poll(() => page.locator('#job-status').textContent()).toBe('DOING');
      await expect.poll(() => page.locator('.u-legend').textContent()).toContain('rows/s');
      // The buttons follow the API's lifecycle: a running job can be stopped, not retried or deleted.
      await expect.poll(() => page.getByRole('button', { name: 'Stop' }).isEnabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Retry failed' }).isEnabled()).toBe(false);
      expect(await page.getByRole('button', { name: 'Delete' }).getAttribute('title')).toBe(`job ${jobId} is running; stop it before deleting it`);
      await screenshot(page, '09-job-throughput');
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    await expect.poll(() => page.locator('#job-status').textContent(), { timeout: 600_000 }).toBe('DONE');
    expect(errors).toEqual([]);
  });
});
