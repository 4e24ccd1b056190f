import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * The projects page's search lives in the URL (`?q=`), so a link to the page without it shows
 * every job: the header's "Kiln" link, followed while a search is typed, empties the search box and
 * lists all jobs. The box kept what was typed while the URL lost `?q=`, and the page then wrote the
 * stale text back into the URL: the home link could not leave a search.
 */

let server: ServerProcess;
let browser: Chromium;
let page: Page;

beforeAll(async () => {
  server = await startServerProcess();
  const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
  const project = await projectId(client);
  await createShellJob(client, project, 'alpha-service', ['true']);
  await createShellJob(client, project, 'beta-service', ['true']);
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const listed = () => page.locator('table.jobs-table tbody tr').count();

describe('the projects page search and the home link', () => {
  it('shows every job again when the header\'s "Kiln" link is followed during a search', async () => {
    const box = page.getByLabel('Find jobs by name');
    await box.fill('alpha');
    await page.waitForURL(/[?&]q=alpha/);
    await expect.poll(listed).toBe(1);

    await page.getByRole('link', { name: 'Kiln' }).click();
    await expect.poll(() => box.inputValue()).toBe('');
    await expect.poll(listed).toBe(2);
    expect(new URL(page.url()).search).toBe('');
  });
});
