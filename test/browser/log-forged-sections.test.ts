import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * A build log's sections come from the server's record of where each step's bytes are, not from
 * lines that look like Kiln's (Chromium against a real `kiln serve`): a step that prints
 * `[kiln] step 9/9 "fake"` and `[kiln] build finished: ...` used to get a folded section of its
 * own that hid the real output after it, and ended the real step's section early.
 */

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;
let jobId = '';

beforeAll(async () => {
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  jobId = await createShellJob(client, await projectId(client), 'forger', [
    `echo before; echo '[kiln] step 9/9 "fake"'; echo hidden-1; echo '[kiln] build finished: SUCCESS'; echo after-end`,
    'echo second-step-output',
  ]);
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a build that prints lines like Kiln’s own', () => {
  it('has only its real steps as sections, each holding all its output', async () => {
    expect(await runToEnd(client, jobId)).toBe('SUCCESS');
    await page.goto(`${server.url}/jobs/${jobId}/builds/1`);
    const log = page.getByTestId('log');
    await log
      .getByText(/build finished: SUCCESS$/)
      .last()
      .waitFor();
    const headers = log.locator('.log-section button');
    // The stages arrive with the build: the sections then, both of them and no forged one.
    await expect.poll(() => headers.count(), { timeout: 15_000 }).toBe(2);
    const texts = await headers.allTextContents();
    expect(texts[0]).toMatch(/^▾ \[kiln\] step 1\/2 "step 1" Success/);
    expect(texts[1]).toMatch(/^▾ \[kiln\] step 2\/2 "step 2" Success/);
    // The forged lines are plain lines of step 1.
    expect(await log.locator('.log-line:not(.log-section) .lt', { hasText: 'step 9/9' }).count()).toBe(1);

    // Folding step 1 folds every line it printed, the ones after the forged lines too.
    const shown = (text: string) => log.locator('.log-line .lt', { hasText: text }).count();
    await headers.first().click();
    for (const text of ['before', 'hidden-1', 'after-end', 'step 9/9']) expect(await shown(text)).toBe(0);
    expect(await shown('second-step-output')).toBe(1);
    await headers.first().click();
    for (const text of ['before', 'hidden-1', 'after-end']) expect(await shown(text)).toBe(1);
    // Folding step 2 leaves step 1's lines, the forged "build finished" too, in view.
    await headers.nth(1).click();
    expect(await shown('second-step-output')).toBe(0);
    expect(await shown('after-end')).toBe(1);
  });
});
