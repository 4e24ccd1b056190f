import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * Job names are anyone's text (128 characters, no control characters or slashes): the dashboard
 * must show them without letting them change the page around them. A RIGHT-TO-LEFT OVERRIDE
 * (U+202E, allowed in a name) is not isolated, so it reverses the text after the name: the build
 * page's breadcrumb shows "1#" left of the name's end. A 128-character name without spaces does
 * not wrap, so the job page scrolls sideways and its header no longer spans it.
 */

// In page.evaluate: the page's document (the tests are compiled without the DOM's types).
declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let rtl = '';
let long = '';

beforeAll(async () => {
  server = await startServerProcess();
  const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
  const project = await projectId(client);
  rtl = await createShellJob(client, project, 'release\u202eLTR', ['echo built']);
  long = await createShellJob(client, project, 'L'.repeat(128), ['echo built']);
  expect(await runToEnd(client, rtl)).toBe('SUCCESS');
  expect(await runToEnd(client, long)).toBe('SUCCESS');
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('odd job names on the dashboard', () => {
  it("keeps a name's right-to-left override inside the name (the breadcrumb still reads '/ #1' after it)", async () => {
    await page.goto(`${server.url}/jobs/${rtl}/builds/1`);
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumbs' });
    const name = crumbs.getByRole('link', { name: /release/ });
    await name.waitFor();
    const build = crumbs.locator('span', { hasText: '#1' });
    const nameBox = (await name.boundingBox())!;
    const buildBox = (await build.boundingBox())!;
    // Left to right: Projects / name / #1.
    expect(buildBox.x).toBeGreaterThanOrEqual(nameBox.x + nameBox.width - 1);
  });

  it('wraps a long name without spaces instead of making the page scroll sideways', async () => {
    await page.goto(`${server.url}/jobs/${long}`);
    await page.getByRole('heading', { level: 1, name: /LLLL/ }).waitFor();
    await page.locator('.history-table tbody tr').first().waitFor();
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(scroll).toBeLessThanOrEqual(client);
  });
});
