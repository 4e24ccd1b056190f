import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { recordLine } from '../helpers/foundation.ts';
import { launchChromium, signedInPage, watchCsp, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * Deleting a job from its page and getting it back, in Chromium against a real `kiln serve`: the
 * job page asks once more before it deletes, the recycle bin (linked from every page's header)
 * lists the job, Restore brings it back with its builds, and "Delete for good" asks once more and
 * then empties the bin. Screenshots go to test-results/.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;
let jobId = '';
const cspViolations: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  const signedIn = await signedInClient(server.url, 'admin', server.adminPassword);
  client = signedIn.client;
  jobId = await createShellJob(client, await projectId(client), 'binned-in-browser', ['echo kept']);
  // One build in its history, to see it come back with the job.
  const imported = await fetch(`${server.url}/v1/kiln/jobs/${jobId}/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', 'x-auth-token': signedIn.token },
    body: `${recordLine(1, { start_time: Date.now() - 60_000 })}\n`,
  });
  expect(imported.status, await imported.text()).toBe(200);
  browser = await launchChromium();
  await watchCsp(browser.context, cspViolations);
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The text of the bin's rows, cell by cell. */
async function binRows(): Promise<string[]> {
  const table = page.getByRole('table', { name: 'Deleted jobs' });
  if ((await table.count()) === 0) return [];
  return (await table.locator('tbody th').allTextContents()).map((t) => t.trim());
}

describe('the recycle bin in the dashboard', () => {
  it('deletes a job from its page only after asking, and shows it in the bin', async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByRole('button', { name: 'Delete…' }).click();
    const ask = page.getByRole('group', { name: 'Delete the job' });
    await expect(ask.textContent()).resolves.toContain('Move binned-in-browser to the recycle bin?');
    await ask.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('group', { name: 'Delete the job' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('group', { name: 'Delete the job' }).getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(`${server.url}/bin`);
    await page.getByRole('table', { name: 'Deleted jobs' }).waitFor();
    expect(await binRows()).toEqual(['binned-in-browser']);
    await expect(page.locator('main').textContent()).resolves.toContain('Deleted jobs wait here 30 days');
    await page.screenshot({ path: `${SHOTS}recycle-bin.png`, fullPage: true });
  });

  it('restores the job with its builds', async () => {
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('status').getByText('Restored binned-in-browser.').waitFor();
    await page.getByText('The recycle bin is empty.').waitFor();
    await page.getByRole('link', { name: 'Open the job' }).click();
    await page.waitForURL(`${server.url}/jobs/${jobId}`);
    await page
      .getByTestId('history-summary')
      .getByText(/^1 builds/)
      .waitFor();
  });

  it('deletes for good only after asking once more', async () => {
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('group', { name: 'Delete the job' }).getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(`${server.url}/bin`);
    await page.getByRole('button', { name: 'Delete for good…' }).click();
    await page.getByText('Delete binned-in-browser and its history for good?').waitFor();
    await page.getByRole('button', { name: 'Keep it' }).click();
    expect(await binRows()).toEqual(['binned-in-browser']);
    await page.getByRole('button', { name: 'Delete for good…' }).click();
    await page.getByRole('button', { name: 'Delete for good', exact: true }).click();
    await page.getByRole('status').getByText('Deleted binned-in-browser for good.').waitFor();
    await page.getByText('The recycle bin is empty.').waitFor();
    const gone = await client.restoreRecyclingJobs({ body: { job_ids: [jobId] } }).then(
      () => 'restored',
      (e: Error) => e.message,
    );
    expect(gone).toContain('not found in the recycle bin');
  });

  it('is a link in every page header', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'Recycle bin' }).click();
    await page.waitForURL(`${server.url}/bin`);
    await page.getByRole('heading', { name: 'Recycle bin' }).waitFor();
  });

  it('broke no Content-Security-Policy rule on the way', () => {
    expect(cspViolations).toEqual([]);
  });
});
