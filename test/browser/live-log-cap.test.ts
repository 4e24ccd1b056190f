import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_MAX_LINES } from '../../web/src/build/log-window.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * A verbose build followed live from its first line keeps only the end of its log in the page
 * (web/src/build/log-window.ts, LOG_MAX_LINES): the page held every line it had followed, a few
 * hundred bytes of memory each (300,000 lines: about 57 MB of JS heap, growing with the log, where
 * the same log opened after the build reads 1 MiB). The lines dropped are said in the note, with
 * the whole log's download; they keep their line numbers and are read back on demand, joined
 * exactly to the lines kept. A stage's log (read from its end too, by ShowActionIInfo) keeps its end too.
 */

const LINES = 120_000;

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let jobId = '';

/** The lines drawn: their numbers and text. */
const drawn = (log: Locator) =>
  log.locator('.log-line').evaluateAll((rows) =>
    rows.map((row) => {
      const r = row as unknown as { querySelector(s: string): { textContent: string | null } | null };
      return {
        n: Number(r.querySelector('.ln')?.textContent),
        text: r.querySelector('.lt')?.textContent ?? '',
      };
    }),
  );
const liveNumber = (text: string) => Number(/^live line (\d+)$/.exec(text)?.[1] ?? NaN);

beforeAll(async () => {
  server = await startServerProcess();
  const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
  // 120,000 lines (about 2 MB: read whole, not from its end) in bursts of 10,000.
  jobId = await createShellJob(client, await projectId(client), 'verbose', [
    `for b in $(seq 0 ${LINES / 10_000 - 1}); do seq $((b*10000+1)) $((b*10000+10000)) | sed 's/^/live line /'; sleep 0.3; done`,
  ]);
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
  await page.setViewportSize({ width: 1100, height: 700 });
  await client.runJob({ body: { job_id: jobId } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a long log followed live', () => {
  it('keeps only its last lines, says so, and reads the ones dropped back exactly', async () => {
    await page.goto(`${server.url}/jobs/${jobId}/builds/1`);
    const log = page.getByTestId('log');
    await log.getByText(/build finished: SUCCESS/).waitFor({ timeout: 60_000 });
    const note = page.getByTestId('log-skipped');
    expect(await note.textContent()).toMatch(
      /the first [\d.]+ MiB are not shown, only the last [\d,]+ lines/,
    );
    await note.getByRole('button', { name: 'Download the whole log' }).waitFor();
    const end = await drawn(log);
    expect(end.map((l) => l.text)).toContain(`live line ${LINES}`);

    // Scrolled to the top: the first line kept is far from the log's start, and no more than the
    // cap of lines is kept. Line numbers are those of the whole log (a fixed count of Kiln's own
    // lines before the first "live line").
    await log.evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 0));
    await expect
      .poll(async () => liveNumber((await drawn(log)).find((l) => liveNumber(l.text) > 0)?.text ?? ''))
      .toBeGreaterThan(LINES - LOG_MAX_LINES);
    const top = (await drawn(log)).filter((l) => liveNumber(l.text) > 0);
    const first = top[0]!;
    const offset = first.n - liveNumber(first.text);
    expect(offset).toBeGreaterThanOrEqual(0);
    for (const l of [...top, ...end.filter((x) => liveNumber(x.text) > 0)])
      expect(l.n - liveNumber(l.text)).toBe(offset);

    // The window before joins the first line kept: the line before it once, and that one once.
    const firstKept = liveNumber(first.text);
    await note.getByRole('button', { name: 'Show 1 MiB more' }).click();
    const search = page.getByLabel('Search log');
    for (const k of [firstKept - 1, firstKept]) {
      await search.fill(`live line ${k}`);
      await search.press('Enter');
      // Numbers above 120,000 are not printed: only line k holds this text.
      await expect.poll(() => page.getByTestId('log-matches').textContent()).toBe('1 of 1 lines');
      const current = log.locator('.log-line.current');
      await expect.poll(() => current.locator('.lt').textContent()).toBe(`live line ${k}`);
      expect(Number(await current.locator('.ln').textContent())).toBe(k + offset);
    }
  });

  it("keeps a long stage's last lines only, and reads earlier ones back", async () => {
    await page.goto(`${server.url}/jobs/${jobId}/builds/1?stage=stage1`);
    const log = page.getByTestId('stage-log');
    await log.getByText(`live line ${LINES}`, { exact: true }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('log-skipped').textContent()).toMatch(/only the last [\d,]+ lines/);
    await log.evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 0));
    await expect
      .poll(async () => liveNumber((await drawn(log)).find((l) => liveNumber(l.text) > 0)?.text ?? ''))
      .toBeGreaterThan(LINES - LOG_MAX_LINES);
    // The stage's window before is read back on demand, as the whole log's is.
    const firstKept = liveNumber((await drawn(log)).find((l) => liveNumber(l.text) > 0)?.text ?? '');
    await page.getByTestId('log-skipped').getByRole('button', { name: 'Show 1 MiB more' }).click();
    const search = page.getByLabel('Search log');
    await search.fill(`live line ${firstKept - 1}`);
    await search.press('Enter');
    await expect.poll(() => page.getByTestId('log-matches').textContent()).toBe('1 of 1 lines');
  });
});
