import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * What a dashboard walkthrough found after Create job (Chromium against a real `kiln serve`): the
 * job page opened without a word that the job was made; and its Changes page, with the one
 * version the job was created as, showed two compare buttons with nothing to compare and an empty
 * space under them. Now the job page says "Job created." once (announced: a status element), and
 * Changes says there is only one version, its compare buttons coming with the second.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let server: ServerProcess;
let browser: Chromium;
let client: Kiln;
let page: Page;
let project = '';
let jobId = '';

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  project = await projectId(client);
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a job just created', () => {
  it('opens on its page saying "Job created.", once', async () => {
    await page.goto(`${server.url}/projects/${project}/jobs/new`);
    await page.getByLabel('Job name').fill('just-made');
    await page.getByLabel('Step 1 command').fill('echo made');
    await page.getByRole('button', { name: 'Create job' }).click();
    const outcome = page.getByTestId('job-outcome');
    await outcome.getByText('Job created.', { exact: true }).waitFor();
    expect(await outcome.getAttribute('role')).toBe('status');
    // The flag that said so has left the URL: a reload (or the link shared) does not say it again.
    await page.waitForURL(/\/jobs\/[0-9a-z]{32}$/);
    jobId = /\/jobs\/([0-9a-z]{32})/.exec(page.url())?.[1] ?? '';
    await page.getByRole('heading', { level: 1, name: 'just-made' }).waitFor();
    await page.screenshot({ path: `${SHOTS}job-created.png` });
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'just-made' }).waitFor();
    expect(await page.getByTestId('job-outcome').textContent()).toBe('');

    // Saving changes to a job says nothing of creating it.
    await page.goto(`${server.url}/jobs/${jobId}/edit`);
    await page.getByLabel('Step 1 command').fill('echo changed');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/jobs/${jobId}$`));
    await page.getByRole('heading', { level: 1, name: 'just-made' }).waitFor();
    expect(await page.getByTestId('job-outcome').textContent()).toBe('');
  });

  it('with one version, Changes says there is nothing to compare and offers no compare buttons', async () => {
    const other = (
      await client.createBuildJob({
        body: {
          arch: 'x86-64',
          project_id: project,
          job_name: 'only-created',
          steps: [{ module_id: 'kiln.shell', name: 'step 1', properties: { command: 'true' } }],
        },
      })
    ).result.job_id;
    await page.goto(`${server.url}/jobs/${other}/history`);
    const table = page.getByRole('table', { name: 'Changes, the latest first' });
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(1);
    expect(await page.getByRole('radio').count()).toBe(0);
    expect(await table.getByRole('columnheader').allTextContents()).toEqual([
      'Version',
      'Change',
      'By',
      'When',
    ]);
    await page
      .getByText(/The job has one version, the one it was created as: there is nothing to compare/)
      .waitFor();
    await page.screenshot({ path: `${SHOTS}job-changes-one-version.png`, fullPage: true });

    // The job changed above has two: both compare columns, the latest change shown.
    await page.goto(`${server.url}/jobs/${jobId}/history`);
    await page.getByRole('table', { name: 'Changes from version 1 to version 2' }).waitFor();
    expect(await page.getByRole('radio').count()).toBe(4);
    expect(await page.getByRole('radio', { name: 'Compare to version 2' }).isChecked()).toBe(true);
    expect(await page.getByText(/nothing to compare/).count()).toBe(0);
  });
});
