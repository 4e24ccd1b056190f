import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * The recycle bin page with more than one word and more than one page (Chromium against a real
 * `kiln serve`):
 * - "Find by name" takes what is typed, spaces included: a deleted job called "old job 21" is
 *   found by typing its name (the field trimmed each keystroke, so the space between two words
 *   was swallowed and "oldjob21" matched nothing).
 * - Emptying the last page (its only job deleted for good) shows the jobs still in the bin, not
 *   "The recycle bin is empty." over 20 deleted jobs with no pager left to reach them.
 */

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;

beforeAll(async () => {
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  const project = await projectId(client);
  // 21 deleted jobs: a page of 20 and one more on the second page.
  for (let i = 1; i <= 21; i++) {
    const id = await createShellJob(client, project, `old job ${i}`, ['true']);
    await client.deleteBuildJob({ params: { job_id: id } });
  }
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The names in the bin's table. */
async function binRows(): Promise<string[]> {
  const table = page.getByRole('table', { name: 'Deleted jobs' });
  if ((await table.count()) === 0) return [];
  return (await table.locator('tbody th').allTextContents()).map((t) => t.trim());
}

describe('the recycle bin page', () => {
  it('finds a deleted job by typing its name, spaces and all', async () => {
    await page.goto(`${server.url}/bin`);
    await page.getByRole('table', { name: 'Deleted jobs' }).waitFor();
    const box = page.getByLabel('Find by name');
    await box.pressSequentially('old job 21');
    await expect.poll(() => box.inputValue()).toBe('old job 21');
    await expect.poll(binRows).toEqual(['old job 21']);
  });

  it('still lists the jobs left after the last page is emptied', async () => {
    await page.goto(`${server.url}/bin`);
    await page.getByRole('table', { name: 'Deleted jobs' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Pages of the bin' })
      .getByRole('button', { name: 'Last page' })
      .click();
    await expect.poll(async () => (await binRows()).length).toBe(1);
    await page.getByRole('button', { name: 'Delete for good…' }).click();
    await page.getByRole('button', { name: 'Delete for good', exact: true }).click();
    await page
      .getByRole('status')
      .getByText(/ for good\./)
      .waitFor();
    expect((await client.listRecyclingJob({ query: { page_size: 100 } })).result.total).toBe(20);
    // Twenty jobs are still in the bin: the page shows them (or a way to them), not an empty bin.
    await expect.poll(async () => (await binRows()).length).toBe(20);
    expect(await page.getByText('The recycle bin is empty.').count()).toBe(0);
  });
});
