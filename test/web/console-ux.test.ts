import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { TestApi } from '../support/api.js';
import { TEST_ADMIN } from '../support/auth.js';
import { audit, launchBrowser, screenshot, VIEWPORTS } from '../support/browser.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

type PgDb = Awaited<ReturnType<typeof createPgDatabase>>;

// What a first-time user meets in the console, at a laptop's and a phone's size, by mouse and by
// keyboard, checked by axe-core: a real Chromium against the real server (embedded runner).
describe('web console: leading a new user, true states, keyboard, phone, accessibility', () => {
  let api: TestApi;
  let src: PgDb;
  let dst: PgDb;
  let browser: Browser;
  let page: Page;
  let base: string;
  const errors: string[] = [];
  const jobs: Record<string, number> = {};
  const call = async (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
    const res = await api.call(method, `/api/v1/mms${path}`, body);
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  };

  beforeAll(async () => {
    src = await createPgDatabase('openmms_ux_src');
    dst = await createPgDatabase('openmms_ux_dst');
    await pgQuery(
      src.url,
      `CREATE TABLE sales (id int, region text, amount numeric(10,2)) PARTITION BY LIST (region);
       CREATE TABLE sales_eu PARTITION OF sales FOR VALUES IN ('eu');
       CREATE TABLE sales_us PARTITION OF sales FOR VALUES IN ('us');
       CREATE TABLE sales_ap PARTITION OF sales FOR VALUES IN ('ap');
       INSERT INTO sales SELECT g, (ARRAY['eu','us','ap'])[1 + g % 3], g * 1.5 FROM generate_series(1, 3000) g;`,
    );
    api = await TestApi.start('sqlite', undefined, { runJobs: true, timerPollMs: 0 });
    base = await api.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    page.setDefaultTimeout(600_000); // actions wait on the page; the limit only stops a run that hangs
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/console/#/sources`);
    await page.getByLabel('Access key id').fill(TEST_ADMIN.accessKeyId);
    await page.getByLabel('Access key secret').fill(TEST_ADMIN.accessKeySecret);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Data sources' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await src?.drop();
    await dst?.drop();
  });

  it('leads from a new data source to a scan: its catalog says it is not scanned yet and scans it', async () => {
    const { dataSourceId } = await call('POST', '/datasources', { name: 'shop', type: 'POSTGRESQL', config: { source: src.conn, destination: { type: 'POSTGRESQL', ...dst.conn } } });
    await page.goto(`${base}/console/#/sources/${dataSourceId}/catalog`);
    await expect.poll(() => page.locator('.notice').textContent()).toMatch(/^Not scanned yet/);
    await page.getByRole('button', { name: 'Scan now' }).click();
    await expect.poll(() => page.getByText(/^Scan done/).textContent()).toBe('Scan done: 1 tables, 3 partitions (5 added, 0 updated, 0 dropped)');
    await expect.poll(() => page.locator('tbody tr td:first-child').allTextContents()).toEqual(['public']);
    expect(await page.locator('.notice').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Scan again' }).isEnabled()).toBe(true);
  });

  it('is used by keyboard alone: a skip link, catalog rows and task rows reachable, partitions selected all at once', async () => {
    await page.goto(`${base}/console/#/sources/1/catalog`);
    await page.reload(); // focus starts at the top, as on arrival
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // Tab on from the top of the content to the database's link, and open it with Enter.
    const focusOn = async (name: string) => {
      for (let i = 0; i < 40 && (await page.evaluate(() => document.activeElement?.textContent?.trim())) !== name; i++) await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(name);
    };
    await focusOn('public');
    await page.keyboard.press('Enter');
    await page.waitForURL(/catalog\?db=public$/);
    await focusOn('sales');
    await page.keyboard.press('Enter');
    await page.waitForURL(/db=public&table=sales$/);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);
    await page.getByLabel('select all partitions on this page').focus();
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByRole('button', { name: /^Migrate \d+ selected/ }).textContent()).toContain('Migrate 3 selected partitions');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByRole('button', { name: /^Migrate \d+ selected/ }).textContent()).toContain('Migrate 0 selected partitions');

    const { jobId } = await call('POST', '/datasources/1/jobs', { name: 'all', srcDbName: 'public', dstDbName: 'copied' });
    jobs.done = jobId;
    await page.goto(`${base}/console/#/sources/1/jobs/${jobId}`);
    await expect.poll(() => page.locator('#job-status').textContent()).toBe('DONE');
    await focusOn('sales → sales');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('pre.logs').textContent()).toContain('copied 3 partitions in one transaction (region=ap … region=us): 3000 rows');
  });

  it('shows true states: a stopped job and its tasks are STOPPED with no speed; a FAILED job cannot be stopped; a missing job is only missing', async () => {
    const lock = new pg.Client({ connectionString: src.url });
    await lock.connect();
    try {
      // One partition held by a lock: the job runs until it is stopped.
      await lock.query('BEGIN; LOCK TABLE sales_us IN ACCESS EXCLUSIVE MODE');
      const { jobId } = await call('POST', '/datasources/1/jobs', { name: 'held', srcDbName: 'public', dstDbName: 'held', increment: false });
      await page.goto(`${base}/console/#/sources/1/jobs/${jobId}`);
      await expect.poll(() => page.locator('#job-status').textContent()).toBe('DOING');
      await page.getByRole('button', { name: 'Stop' }).click();
      await expect.poll(() => page.locator('#job-status').textContent()).toBe('STOPPED');
      await expect.poll(() => page.locator('.stat', { hasText: 'Now' }).textContent()).toBe('Now—');
      await expect.poll(() => page.locator('tbody tr.clickable td:nth-child(3)').allTextContents()).toEqual(['STOPPED']);
      expect(await page.locator('tbody tr.clickable td:nth-child(7)').allTextContents()).toEqual(['—']);
      expect(await page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Stop' }).isEnabled()).toBe(false);
      await screenshot(page, 'ux-01-stopped');
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }

    // A verify-only job over rows the destination lost: FAILED, and nothing of it runs to stop.
    await pgQuery(dst.url, `DELETE FROM copied.sales WHERE id < 10`);
    const { jobId: failed } = await call('POST', '/datasources/1/jobs', { name: 'check', srcDbName: 'public', dstDbName: 'copied', taskType: 'MC2MC_VERIFY' });
    jobs.failed = failed;
    await page.goto(`${base}/console/#/sources/1/jobs/${failed}`);
    await expect.poll(() => page.locator('#job-status').textContent()).toBe('FAILED');
    expect(await page.getByRole('button', { name: 'Stop' }).isEnabled()).toBe(false);
    expect(await page.getByRole('button', { name: 'Stop' }).getAttribute('title')).toBe(`job ${failed} has FAILED; nothing of it runs`);
    expect(await page.getByRole('button', { name: 'Retry failed' }).isEnabled()).toBe(true);
    expect(await page.getByText('Nothing moved yet.').count()).toBe(0);

    await page.goto(`${base}/console/#/sources/1/jobs/999`);
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('JobNotFound: Job 999 does not exist');
    expect(await page.getByText(/being planned/).count()).toBe(0);
    expect(await page.locator('table').count()).toBe(0);
  });

  it('keeps timers complete: a template, the next tick, never fired until fired, fired by hand, with its log', async () => {
    await page.goto(`${base}/console/#/sources/1/timers`);
    await page.getByLabel('Name').fill('nightly');
    await page.getByLabel(/^Value/).fill('02:30');
    await page.getByLabel('Time zone').fill('Asia/Shanghai');
    await page.getByLabel('Source database').selectOption('public');
    await page.getByLabel(/^Only these tables/).fill('sales');
    await page.getByLabel(/^Destination database/).fill('nightly');
    await page.getByRole('button', { name: 'Create timer' }).click();
    const row = page.getByRole('row', { name: /nightly/ });
    await expect.poll(() => row.locator('td').allTextContents()).toEqual(['1', 'nightly', 'public: sales → nightly', 'Daily 02:30 Asia/Shanghai', 'never', expect.stringMatching(/^\d{4}-\d\d-\d\d 18:30:00 UTC$/), expect.any(String)]);
    const timer = await call('GET', '/datasources/1/timers/1');
    expect(timer).toMatchObject({ lastTick: null, nextTick: expect.stringMatching(/ 18:30:00$/), config: { tableWhiteList: ['sales'], dstDbName: 'nightly' } });
    await row.getByRole('button', { name: 'Fire now' }).click();
    await expect.poll(() => page.locator('pre.logs').textContent()).toMatch(/start job\s+\w+\s+start job success: job \d+\s+\(job \d+\)/);
    await screenshot(page, 'ux-02-timers');

    // Its template and schedule are edited in the same form, and kept.
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit timer 1' }).waitFor();
    expect(await page.getByLabel(/^Value/).inputValue()).toBe('02:30');
    await page.getByLabel(/^Value/).fill('03:15');
    expect(await page.getByLabel(/^Only these tables/).inputValue()).toBe('sales');
    await page.getByLabel('Verify contents').uncheck();
    expect(await page.getByLabel('Source database').isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Save timer' }).click();
    await page.getByText('Timer 1 saved.').waitFor();
    await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('public: sales → nightly, not verified');
    expect(await call('GET', '/datasources/1/timers/1')).toMatchObject({ value: '03:15', nextTick: expect.stringMatching(/ 19:15:00$/), config: { tableWhiteList: ['sales'], tableBlackList: [], enableVerification: false, dstDbName: 'nightly' } });
    expect(await page.getByRole('heading', { name: 'New timer' }).count()).toBe(1);
  });

  it('fits a phone and a laptop on every page, with no serious or critical axe-core finding', async () => {
    const pages = [
      ['sources', '#/sources', 'Data sources'],
      ['new source', '#/sources/new', 'Add a data source'],
      ['catalog', '#/sources/1/catalog', 'shop'],
      ['tables', '#/sources/1/catalog?db=public', 'public'],
      ['partitions', '#/sources/1/catalog?db=public&table=sales', 'sales'],
      ['jobs', '#/sources/1/jobs', 'Jobs'],
      ['job form', '#/sources/1/jobs/new', 'New migration job'],
      ['job', `#/sources/1/jobs/${jobs.done}`, 'all'],
      ['failed job', `#/sources/1/jobs/${jobs.failed}`, 'check'],
      ['timers', '#/sources/1/timers', 'Timers'],
    ] as const;
    const findings: unknown[] = [];
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      for (const [name, hash, heading] of pages) {
        await page.goto(`${base}/console/${hash}`);
        await expect.poll(() => page.getByRole('heading', { level: 1 }).first().textContent()).toContain(heading);
        await page.waitForLoadState('networkidle');
        const { violations, overflow } = await audit(page);
        if (violations.length || overflow > 0) findings.push({ size, name, overflow, violations });
        if (size === 'phone') await screenshot(page, `ux-phone-${name.replace(/ /g, '-')}`);
      }
    }
    expect(findings).toEqual([]);
    // The login page too, logged out.
    await page.evaluate(() => sessionStorage.clear());
    for (const viewport of Object.values(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.goto(`${base}/console/#/sources`);
      await page.reload();
      await expect.poll(() => page.getByRole('button', { name: 'Log in' }).count()).toBe(1);
      expect(await audit(page)).toEqual({ violations: [], overflow: 0 });
    }
    expect(errors).toEqual([]);
  });
});
