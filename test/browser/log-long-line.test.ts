import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * A long log (read from its end, earlier parts on demand: web/src/build/log-window.ts) that holds
 * one line longer than a window (1 MiB). "Show 1 MiB more" must get past that line to the lines
 * before it; readEarlier answers a window with no line start in it as "nothing before `before`"
 * (from = before), so the button reads the same window again and again and the page never moves.
 */

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let jobId = '';

beforeAll(async () => {
  server = await startServerProcess();
  const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
  jobId = await createShellJob(client, await projectId(client), 'one-long-line', [
    // About 6 MB of ordinary lines, then one 1.5 MB line, then a last line.
    "seq 1 300000 | sed 's/^/early line /'; head -c 1500000 /dev/zero | tr '\\0' x; echo; echo after-long-line",
  ]);
  expect(await runToEnd(client, jobId)).toBe('SUCCESS');
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a long log with a line longer than a window', () => {
  it('"Show 1 MiB more" reaches the lines before the long line', async () => {
    await page.goto(`${server.url}/jobs/${jobId}/builds/1`);
    const log = page.getByTestId('log');
    await log.getByText(/build finished: SUCCESS/).waitFor({ timeout: 10_000 });
    const note = page.getByTestId('log-skipped');
    const before = await note.textContent();
    // Every click should show something earlier; three are more than enough to pass 1.5 MB.
    for (let i = 0; i < 3; i++) {
      await note.getByRole('button', { name: 'Show 1 MiB more' }).click();
      await page.waitForTimeout(1_500);
    }
    const texts = await log.locator('.log-line .lt').allTextContents();
    expect(await note.textContent(), 'the skipped part never shrinks').not.toBe(before);
    expect(texts.some((t) => t.startsWith('early line'))).toBe(true);
  });
});
