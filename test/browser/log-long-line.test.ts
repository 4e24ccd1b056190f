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
    const skipped = async () => /the first (.+?) are not shown/.exec((await note.textContent()) ?? '')?.[1];
    // Each click shows something earlier: the first the long line (1.5 MB, more than a window), the
    // second the lines before it.
    for (let i = 0; i < 2; i++) {
      const before = await skipped();
      await note.getByRole('button', { name: 'Show 1 MiB more' }).click();
      await expect.poll(skipped, { message: 'the skipped part never shrinks' }).not.toBe(before);
    }
    const shown = () => log.locator('.log-line .lt').allTextContents();
    await expect.poll(async () => (await shown()).some((t) => t.startsWith('early line'))).toBe(true);
  });
});
