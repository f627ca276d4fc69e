import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/ensure-services.sh installs it); no browser is downloaded. */
export const CHROMIUM = process.env.OPENMMS_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots are test artifacts, not committed (test-artifacts/ is ignored). */
export const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The machine's network is closed: Chromium's own background traffic would only fail.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The viewports the console is checked at: a laptop and a phone. */
export const VIEWPORTS = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } } as const;

interface Finding {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/**
 * What a user of the page at its current size meets that they should not: axe-core's serious and
 * critical violations (WCAG 2.x A/AA), and content wider than the viewport (a page that scrolls
 * sideways hides its buttons).
 */
export async function audit(page: Page): Promise<{ violations: Finding[]; overflow: number }> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: join(process.cwd(), 'node_modules', 'axe-core', 'axe.min.js') });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  return { violations, overflow };
}
