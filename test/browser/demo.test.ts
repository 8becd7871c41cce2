/**
 * The demo page in a real browser: Debian's chromium driven by playwright-core against wrangler
 * dev (the page is the worker's static assets, the API the worker). Skipped, with a message,
 * where chromium is not installed (.ci/run installs it with apt).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startWorkerd, type ServerProcess } from '../contract/process-target.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM) console.warn('[pinface] [test] browser test skipped: no chromium (apt-get install chromium, or set CHROMIUM_PATH)');

const fixture = (name: string) => `test/fixtures/faces/${name}`;

describe.skipIf(!CHROMIUM)('demo page in chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  /** Chromium logs a 4xx answer to fetch as a console error; only the no-face test expects one. */
  let allow422 = false;

  beforeAll(async () => {
    // The page script and the adversarial examples are built, not committed.
    if (!existsSync('public/app.js')) execFileSync('npm', ['run', 'build:web'], { stdio: 'pipe' });
    if (!existsSync('public/examples/examples.json')) execFileSync('npm', ['run', 'examples'], { stdio: 'pipe' });
    mkdirSync('test-results', { recursive: true });
    server = await startWorkerd({ vars: { PINFACE_AUTH: 'open' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const origin = new URL(server.url).origin;
    page.on('console', (m) => { if (m.type() === 'error' && !(allow422 && /status of 422/.test(m.text()))) consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreignRequests.push(r.url()); });
    await page.goto(`${server.url}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('is served by the worker at / with its labels in place', async () => {
    expect(await page.title()).toContain('pinface');
    // Every form control has a label (accessible name).
    const unlabeled = await page.$$eval('input, button', (els) => els.filter((e) => {
      const el = e as HTMLInputElement;
      return !(el.labels?.length || el.closest('label') || el.getAttribute('aria-label') || el.textContent?.trim());
    }).length);
    expect(unlabeled).toBe(0);
  });

  it('verifies two uploaded photos of one person: decision, bar, crops, timings', async () => {
    await page.setInputFiles('#source-file', fixture('person-a-1.jpg'));
    await page.setInputFiles('#target-file', fixture('person-a-2.jpg'));
    // Submit from the keyboard: focus the button and press Enter.
    await page.focus('#verify-button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#result:not([hidden])', { timeout: 60_000 });
    expect(await page.textContent('#decision')).toBe('Same person');
    expect(await page.getAttribute('#meter', 'aria-label')).toMatch(/^similarity 0\.\d{3} against threshold 0\.\d{3}$/);
    // The crops are drawn: real faces, not blank canvases, and PIN's differs from the aligned one.
    const stats = await page.evaluate(() => ['source-aligned', 'source-projected'].map((id) => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let min = 255, max = 0;
      const gray: number[] = [];
      for (let i = 0; i < d.length; i += 4) { min = Math.min(min, d[i] as number); max = Math.max(max, d[i] as number); gray.push(d[i] as number); }
      return { w: c.width, min, max, gray };
    }));
    for (const s of stats) {
      expect(s.w).toBe(112);
      expect(s.max - s.min).toBeGreaterThan(100);
    }
    // At K = 2500 the reconstruction is close to the face (its pixel sum can even come out equal): compare pixels.
    const [aligned, projected] = [stats[0]?.gray ?? [], stats[1]?.gray ?? []];
    expect(aligned.filter((v, i) => v !== projected[i]).length).toBeGreaterThan(100);
    expect(await page.textContent('#components')).toMatch(/Components kept: \d+ and \d+ of \d+ eigenfaces/);
    expect(await page.$$eval('#timings-body tr', (rows) => rows.length)).toBe(7);
    await page.screenshot({ path: 'test-results/demo-match.png', fullPage: true });
  });

  it('verifies the adversarial examples live: the undefended decision flips, PIN holds', async () => {
    const n = await page.$$eval('#examples .example', (els) => els.length);
    expect(n).toBeGreaterThan(0);
    await page.waitForFunction((count) => document.querySelectorAll('#examples .verdicts li').length === 4 * count, n, { timeout: 120_000 });
    const rows = await page.$$eval('#examples .verdicts li', (lis) => lis.map((li) => li.textContent ?? ''));
    // Per example: clean/none, clean/PIN, adversarial/none, adversarial/PIN.
    for (let i = 0; i < n; i++) {
      const [cleanNone, cleanPin, advNone, advPin] = rows.slice(4 * i, 4 * i + 4);
      expect(cleanNone).toContain('✓ right');
      expect(cleanPin).toContain('✓ right');
      expect(advNone).toContain('✗ fooled');
      expect(advPin).toContain('✓ right');
    }
    await page.locator('#adv-heading').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/demo-examples.png', fullPage: true });
    // The README's picture (docs/demo.jpg is a copy of it): a match and the examples, answered.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: 'test-results/demo.jpg', type: 'jpeg', quality: 70, fullPage: true });
  });

  it('rejects two different people, with the defense toggled off', async () => {
    await page.setInputFiles('#target-file', fixture('person-b-1.jpg'));
    await page.check('input[name="defense"][value="none"]');
    await page.click('#verify-button');
    await page.waitForFunction(() => document.getElementById('decision')?.textContent === 'Not the same person', undefined, { timeout: 60_000 });
    expect(await page.textContent('#components')).toContain('No defense');
  });

  it('shows a clear message for a photo without a face', async () => {
    allow422 = true;
    await page.setInputFiles('#target-file', 'test/fixtures/bad/no-face.png');
    await page.click('#verify-button');
    await page.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
    expect(await page.textContent('#error')).toMatch(/No face found/);
    allow422 = false;
  });

  it('fits a phone screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: 'test-results/demo-phone.png' });
  });

  it('logged no console error and sent nothing to another origin', () => {
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
