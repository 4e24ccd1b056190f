import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, watchCsp, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * A job's first build, then its charts. Following a running build's log, in Chromium against a real `kiln serve`: a 30-second build
 * prints a line every 0.1 s; while "Follow the end" is ticked the newest line stays in view, line
 * after line; scrolling up by hand pauses following (the view stays where the reader put it) until
 * the reader scrolls back to the end; after Stop, Kiln's closing lines are in view and the stopped
 * step says Aborted. Then the job page's charts of that one build: the time axis spans hours around
 * it (not years) and today's bar is drawn whole.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

// 300 numbered lines, one every 0.1 s: about 30 seconds.
const TICKER = 'for i in $(seq 1 300); do echo "tick $i"; sleep 0.1; done';

interface LogBox {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }>;
}
declare const document: { querySelector(selector: string): LogBox | null };
declare const window: {
  addEventListener(type: string, listener: (e: Event) => void, options: { capture: boolean }): void;
  removeEventListener(type: string, listener: (e: Event) => void, options: { capture: boolean }): void;
};

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let jobId = '';
const cspViolations: string[] = [];

/** Where the log box is scrolled to, and the last line drawn in it. */
const view = () =>
  page.evaluate(() => {
    const box = document.querySelector('[data-testid="log"]');
    if (!box) return { top: 0, gap: 0, last: '' };
    const lines = box.querySelectorAll('.log-line .lt');
    return {
      top: box.scrollTop,
      // How far the box's end is below what shows: 0 when the last line is in view.
      gap: box.scrollHeight - box.scrollTop - box.clientHeight,
      last: lines[lines.length - 1]?.textContent ?? '',
    };
  });

const tickOf = (text: string) => Number(/^tick (\d+)$/.exec(text)?.[1] ?? 0);

const following = () => page.getByLabel('Follow the end');

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
  jobId = await createShellJob(client, await projectId(client), 'ticker', [TICKER]);
  browser = await launchChromium();
  await watchCsp(browser.context, cspViolations);
  page = await signedInPage(browser.context, server.url, server.adminPassword);
  // A short window: the log box overflows after a few lines.
  await page.setViewportSize({ width: 1100, height: 700 });
});

afterAll(async () => {
  if (process.env.KILN_TEST_VERBOSE) console.log(server?.output());
  await browser?.close();
  await server?.stop();
});

describe("a job's first build", () => {
  it('keeps the newest line in view while it follows, pauses when scrolled up, resumes at the end', async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByRole('button', { name: 'Run…' }).click();
    await page.getByRole('button', { name: 'Start build' }).click();
    await page.waitForURL(/\/builds\/1$/);
    const log = page.getByTestId('log');
    await log.getByText('tick 40', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await following().isChecked()).toBe(true);

    // Following: look ten times over 3 s; every look has the last line drawn in view, and the
    // lines move on between looks.
    const looks: { gap: number; tick: number }[] = [];
    for (let i = 0; i < 10; i++) {
      const v = await view();
      looks.push({ gap: v.gap, tick: tickOf(v.last) });
      await page.waitForTimeout(300);
    }
    for (const look of looks) expect(look.gap).toBeLessThan(24);
    expect(looks[looks.length - 1]!.tick).toBeGreaterThan(looks[0]!.tick + 10);

    // Scrolling up by hand pauses following: the view stays put while lines keep arriving.
    await log.hover();
    await page.mouse.wheel(0, -400);
    await expect.poll(() => following().isChecked()).toBe(false);
    const paused = await view();
    expect(paused.gap).toBeGreaterThan(100);
    await page.waitForTimeout(1500);
    const later = await view();
    expect(later.top).toBe(paused.top);
    expect(tickOf(later.last)).toBeGreaterThan(tickOf(paused.last));
    await page.screenshot({ path: `${SHOTS}live-log-paused.png` });

    // Back at the end, following resumes by itself, even when lines come before the page sees the
    // scroll (as on a loaded machine): its scroll events are held back while 5 lines arrive.
    await log.evaluate(async (el: unknown) => {
      const box = el as LogBox;
      const hold = (e: Event) => e.stopImmediatePropagation();
      window.addEventListener('scroll', hold, { capture: true });
      box.scrollTop = box.scrollHeight;
      await new Promise((resolve) => setTimeout(resolve, 500));
      window.removeEventListener('scroll', hold, { capture: true });
    });
    await expect.poll(() => following().isChecked()).toBe(true);
    await page.waitForTimeout(1000);
    const resumed = await view();
    expect(resumed.gap).toBeLessThan(24);
    expect(tickOf(resumed.last)).toBeGreaterThan(tickOf(later.last));
  });

  it('lists the running build on the queue page, with its runner', async () => {
    const other = await signedInPage(browser.context, server.url, server.adminPassword);
    // The header's links are a navigation landmark a screen reader lists.
    await other.getByRole('navigation', { name: 'Kiln' }).getByRole('link', { name: 'Queue' }).click();
    await other.waitForURL(/\/queue$/);
    const row = other.locator('[data-testid="queue-running"] tbody tr').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('running');
    expect(await row.locator('th').textContent()).toBe('ticker #1');
    expect(await row.locator('td[data-label="Runner"]').textContent()).toMatch(/^\S+$/);
    expect(await other.getByText('Nothing is waiting.').count()).toBe(1);
    await other.screenshot({ path: `${SHOTS}queue.png` });
    await other.close();
  });

  it("after Stop, shows Kiln's closing lines in view and the stopped step as Aborted", async () => {
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.locator('h1 [data-status="aborted"]').waitFor({ timeout: 15_000 });
    const log = page.getByTestId('log');
    await log.getByText(/build finished: ABORTED/).waitFor();
    await expect.poll(async () => (await view()).gap).toBeLessThan(24);
    expect((await view()).last).toMatch(/build finished: ABORTED/);
    await page.locator('[data-stage="stage1"][data-stage-status="ABORTED"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-stage="stage1"] .badge').textContent()).toBe('Aborted');
    // The summary names the runner that ran it (here the server's own).
    expect(await page.getByTestId('build-runner').textContent()).toMatch(
      /^\S+ the server's own, (x64|arm64)/,
    );
    await page.screenshot({ path: `${SHOTS}live-log-stopped.png` });
    // The step's lines are a section: its first line says how the step ended, and folds the rest.
    const header = page.locator('[data-testid="log"] .log-section button');
    expect(await header.count()).toBe(1);
    expect(await header.textContent()).toMatch(/^▾ \[kiln\] step 1\/1 "step 1" Aborted \d/);
    const ticks = () => page.locator('[data-testid="log"] .log-line .lt', { hasText: /^tick \d+$/ }).count();
    expect(await ticks()).toBeGreaterThan(40);
    await header.click();
    expect(await ticks()).toBe(0);
    expect(await header.getAttribute('aria-expanded')).toBe('false');
    expect(await header.textContent()).toMatch(/lines folded$/);
    expect((await view()).last).toMatch(/build finished: ABORTED/);
    await header.click();
    expect(await ticks()).toBeGreaterThan(40);
  });

  it('charts a one-build history around that build, with whole bars', async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.locator('[data-testid="daily-chart"][data-x-range]').waitFor();
    const range = async (id: string) =>
      ((await page.getByTestId(id).getAttribute('data-x-range')) ?? '').split(',').map(Number);
    const now = Date.now() / 1000;
    const [from = 0, to = 0] = await range('duration-chart');
    expect(from).toBeLessThan(now);
    expect(to).toBeGreaterThan(now - 120);
    expect(to - from).toBeLessThanOrEqual(3 * 3600);
    // Today's bar is centred on local midnight: half a day of room each side draws it whole.
    const midnight = await page.evaluate(() => new Date(new Date().toDateString()).getTime() / 1000);
    const [dayFrom = 0, dayTo = 0] = await range('daily-chart');
    expect(dayFrom).toBeLessThanOrEqual(midnight - 43_200);
    expect(dayTo).toBeGreaterThanOrEqual(midnight + 43_200);
    // One build is counted in the singular, in the history's summary and the charts' text.
    expect(await page.getByTestId('history-summary').textContent()).toMatch(/^1 build · /);
    expect(await page.getByTestId('duration-chart').locator('figcaption').textContent()).toBe(
      '1 finished build, 0 failed',
    );
    expect(await page.getByTestId('daily-chart').locator('figcaption').textContent()).toMatch(
      / days, 1 build$/,
    );
    await page.locator('.charts').screenshot({ path: `${SHOTS}first-build-charts.png` });
  });

  it("names the trigger with the API's word (as the CLI does), its meaning as the title", async () => {
    const cell = page.locator('.history-table tbody tr[data-build="1"] td[data-label="Trigger"]');
    expect(await cell.textContent()).toBe('Manual');
    expect(await cell.getAttribute('title')).toMatch(/^started by a person/);
    expect(await page.locator('.history-table thead th').allTextContents()).toContain('Triggered');
  });

  it('shows the end of a long log at once and reads earlier parts on demand, whole lines only', async () => {
    // About 6.6 MB: more than is read whole.
    const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
    const big = await createShellJob(client, await projectId(client), 'long-log', [
      "seq 1 400000 | sed 's/^/long log line /'",
    ]);
    expect(await runToEnd(client, big)).toBe('SUCCESS');
    await page.goto(`${server.url}/jobs/${big}/builds/1`);
    const log = page.getByTestId('log');
    await log.getByText(/build finished: SUCCESS/).waitFor({ timeout: 10_000 });
    const note = page.getByTestId('log-skipped');
    expect(await note.textContent()).toMatch(/the first [\d.]+ MiB are not shown/);
    const shownLines = async () =>
      (await log.locator('.log-line .lt').allTextContents()).filter((l) => l.startsWith('long log line'));
    const first = await shownLines();
    expect(first[first.length - 1]).toBe('long log line 400000');
    // Every line shown is whole, and they follow each other.
    const numbers = first.map((l) => Number(l.slice('long log line '.length)));
    expect(numbers.every((n, i) => i === 0 || n === (numbers[i - 1] ?? 0) + 1)).toBe(true);
    // The window before: shown from its first line, whole lines that follow each other, all of them
    // before what was shown; the lines after it are a click away.
    await note.getByRole('button', { name: 'Show 1 MiB more' }).click();
    const firstShown = numbers[0] ?? 0;
    await expect
      .poll(async () => Number((await shownLines())[0]?.slice('long log line '.length)), { timeout: 10_000 })
      .toBeLessThan(firstShown);
    const more = (await shownLines()).map((l) => Number(l.slice('long log line '.length)));
    expect(more.every((n, i) => i === 0 || n === (more[i - 1] ?? 0) + 1)).toBe(true);
    expect(more[more.length - 1]).toBeLessThan(firstShown);
    expect(await note.textContent()).toMatch(/the first [\d.]+ MiB are not shown/);
    // Only the lines near the view are drawn, whatever was read (about 100,000 lines by now); the
    // box scrolls over all of them, and its end shows the log's last line again.
    expect(await log.locator('.log-line').count()).toBeLessThan(1_000);
    const scrolled = await log.evaluate((el: unknown) => {
      const box = el as LogBox;
      box.scrollTop = box.scrollHeight;
      return box.scrollHeight;
    });
    expect(scrolled).toBeGreaterThan(90_000 * 10);
    await expect
      .poll(async () => (await shownLines()).at(-1), { timeout: 5_000 })
      .toBe('long log line 400000');
    const atEnd = (await shownLines()).map((l) => Number(l.slice('long log line '.length)));
    expect(atEnd.every((n, i) => i === 0 || n === (atEnd[i - 1] ?? 0) + 1)).toBe(true);
    // Halfway down: the lines drawn are from the middle of what was read, and follow each other.
    await log.evaluate((el: unknown) => {
      const box = el as LogBox;
      box.scrollTop = box.scrollHeight / 2;
    });
    const drawnNumbers = async () =>
      (await shownLines()).map((l) => Number(l.slice('long log line '.length)));
    await expect
      .poll(
        async () => {
          const drawn = await drawnNumbers();
          return (drawn[0] ?? 0) > (more[more.length - 1] ?? 0) && (drawn.at(-1) ?? 0) < 400_000;
        },
        { timeout: 5_000 },
      )
      .toBe(true);
    const middle = (await shownLines()).map((l) => Number(l.slice('long log line '.length)));
    expect(middle.every((n, i) => i === 0 || n === (middle[i - 1] ?? 0) + 1)).toBe(true);
    expect(middle[middle.length - 1]).toBeLessThan(400_000);
    expect(await log.locator('.log-line').count()).toBeLessThan(1_000);
    await page.screenshot({ path: `${SHOTS}long-log.png` });
    // A search match far from the view: drawn and brought into view.
    const far = (more[0] ?? 0) + 10;
    await page.getByLabel('Search log').fill(`long log line ${far}`);
    await page.getByLabel('Search log').press('Enter');
    const current = log.locator('.log-line.current .lt');
    await expect.poll(() => current.textContent(), { timeout: 5_000 }).toBe(`long log line ${far}`);
    const inView = await current.evaluate((el: unknown) => {
      const line = (
        el as { getBoundingClientRect(): { top: number; bottom: number } }
      ).getBoundingClientRect();
      const box = document.querySelector('[data-testid="log"]') as unknown as {
        getBoundingClientRect(): { top: number; bottom: number };
      };
      const b = box.getBoundingClientRect();
      return line.top >= b.top && line.bottom <= b.bottom;
    });
    expect(inView).toBe(true);
  });

  it('breaks no Content-Security-Policy rule', () => {
    expect(cspViolations).toEqual([]);
  });
});
