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
 * Managing jobs in Chromium against a real `kiln serve`. Favourites: the star in a project's list
 * marks a job, and "Favourites only" keeps just those. Changes: a job's history page lists who
 * changed what and shows two versions side by side. The recycle bin: the job page asks once more
 * before it deletes, the bin (linked from every page's header) lists the job, Restore brings it
 * back with its builds, and "Delete for good" asks once more and then empties the bin; the bin's
 * keep time is set there. The run form, opened from the keyboard, takes the focus (Run… is disabled
 * while it is open, and the focus was left nowhere) and gives it back to Run… when it closes (Cancel
 * or Escape).
 * Screenshots go to test-results/.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;
let jobId = '';
let otherId = '';
let token = '';
const cspViolations: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  const signedIn = await signedInClient(server.url, 'admin', server.adminPassword);
  client = signedIn.client;
  token = signedIn.token;
  const project = await projectId(client);
  jobId = await createShellJob(client, project, 'binned-in-browser', ['echo kept']);
  otherId = await createShellJob(client, project, 'other-job', ['true']);
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

describe('favourites and changes in the dashboard', () => {
  it('marks a favourite with the star and lists only favourites when asked', async () => {
    await page.goto(`${server.url}/`);
    const star = page.getByRole('button', { name: 'Favourite: binned-in-browser' });
    await star.waitFor();
    expect(await star.getAttribute('aria-pressed')).toBe('false');
    await star.click();
    await page.getByRole('button', { name: 'Favourite: binned-in-browser', pressed: true }).waitFor();
    await page.getByRole('checkbox', { name: 'Favourites only' }).check();
    await page.waitForURL(/favourites=1/);
    await page.getByRole('link', { name: 'binned-in-browser', exact: true }).waitFor();
    // The list shows the last answer until the filtered one arrives: wait for it.
    await expect.poll(() => page.getByRole('link', { name: 'other-job', exact: true }).count()).toBe(0);
    // The server kept it: a fresh load shows the star on.
    await page.reload();
    await page.getByRole('button', { name: 'Favourite: binned-in-browser', pressed: true }).waitFor();
  });

  it('lists the changes of a job and shows two versions side by side', async () => {
    const doc = (await client.listJobConfig({ params: { job_id: jobId } })).result;
    await client.updateBuildJob({
      body: {
        ...doc,
        job_id: jobId,
        steps: [{ module_id: 'kiln.shell', name: 'step 1', properties: { command: 'echo changed' } }],
      },
    });
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByRole('link', { name: 'Changes' }).click();
    await page.waitForURL(`${server.url}/jobs/${jobId}/history`);
    const table = page.getByRole('table', { name: 'Changes, the latest first' });
    await table.waitFor();
    const rows = (await table.locator('tbody tr').all()).map((tr) => tr.locator('th, td'));
    const texts = await Promise.all(rows.map(async (cells) => (await cells.allTextContents()).slice(0, 3)));
    expect(texts).toEqual([
      ['2', 'changed', 'admin'],
      ['1', 'created', 'admin'],
    ]);
    const diff = page.getByRole('table', { name: 'Changes from version 1 to version 2' });
    await diff.waitFor();
    expect(await diff.locator('.diff-removed').allTextContents()).toEqual(
      ['"command": "echo kept"'].map((t) => `        ${t}`),
    );
    expect(await diff.locator('.diff-added').allTextContents()).toEqual([
      '        "command": "echo changed"',
    ]);
    await page.screenshot({ path: `${SHOTS}job-changes.png`, fullPage: true });
    // Comparing a version with itself shows that nothing changed.
    await page.getByRole('radio', { name: 'Compare from version 2' }).check();
    await page.getByText('The configuration is the same in both.').waitFor();
  });
});

describe('running a job from the keyboard', () => {
  it('moves the focus into the run form as it opens, and back to Run… as it closes', async () => {
    await page.goto(`${server.url}/jobs/${otherId}`);
    const run = page.getByRole('button', { name: 'Run…' });
    await run.focus();
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: 'Run this job' });
    await form.waitFor();
    await expect.poll(() => form.locator(':focus').count()).toBe(1);
    // Tab goes on within the form.
    await page.keyboard.press('Tab');
    expect(await form.locator(':focus').textContent()).toBe('Start build');
    await page.keyboard.press('Tab');
    expect(await form.locator(':focus').textContent()).toBe('Cancel');
    await page.keyboard.press('Enter');
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Run…');
    // Escape closes it as Cancel does, as it does the Copy and Delete questions.
    await page.keyboard.press('Enter');
    await expect.poll(() => form.locator(':focus').count()).toBe(1);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Run…');
  });
});

describe('copying a job in the dashboard', () => {
  it('copies a job under the name the server suggests, and opens the copy', async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    // The form takes the focus from Copy…, which it replaces; Escape gives it back.
    await page.getByRole('button', { name: 'Copy…' }).click();
    const name = page.getByRole('textbox', { name: 'Name of the copy' });
    await expect.poll(() => name.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Copy…');
    await page.keyboard.press('Enter');
    await name.waitFor();
    expect(await name.inputValue()).toBe('binned-in-browser-copy-1');
    await name.fill('copied-in-browser');
    await page.getByRole('form', { name: 'Copy the job' }).getByRole('button', { name: 'Copy' }).click();
    await page.waitForURL(
      (url) => /\/jobs\/[0-9a-z]{32}$/.test(url.pathname) && !url.pathname.includes(jobId),
    );
    await page.getByRole('heading', { name: 'copied-in-browser' }).waitFor();
    const copyId = new URL(page.url()).pathname.split('/')[2]!;
    const doc = (await client.listJobConfig({ params: { job_id: copyId } })).result;
    expect(doc.steps).toEqual((await client.listJobConfig({ params: { job_id: jobId } })).result.steps);
  });
});

describe('the recycle bin in the dashboard', () => {
  it('deletes a job from its page only after asking, and shows it in the bin', async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByRole('button', { name: 'Delete…' }).click();
    const ask = page.getByRole('group', { name: 'Delete the job' });
    await expect(ask.textContent()).resolves.toContain('Move binned-in-browser to the recycle bin?');
    // The question takes the focus from Delete…, which it replaces (on Cancel, the safe answer);
    // cancelling, by Cancel or Escape, gives it back.
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Cancel');
    await page.keyboard.press('Enter');
    expect(await page.getByRole('group', { name: 'Delete the job' }).count()).toBe(0);
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Delete…');
    await page.keyboard.press('Enter');
    await ask.waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Delete…');

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
      .getByText(/^1 build · /)
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

  it('sets how many days deleted jobs are kept (the admin signed in here)', async () => {
    const field = page.getByRole('spinbutton', { name: /Keep deleted jobs/ });
    await expect(field.inputValue()).resolves.toBe('30');
    await field.fill('9');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Deleted jobs are now kept 9 days.').waitFor();
    await page.getByText('Deleted jobs wait here 9 days').waitFor();
    const listed = await client.listRecyclingJob({ query: { page_size: 0 } });
    expect(listed.result.keep_time).toBe(9);
  });

  it('creates a group, moves a job into it from its page and lists the group’s jobs', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'New group…' }).click();
    const form = page.getByRole('form', { name: 'Create a group' });
    await form.getByRole('textbox', { name: 'Group name' }).fill('nightly');
    await form.getByRole('button', { name: 'Create' }).click();
    const filter = page.getByRole('combobox', { name: /^Group of / });
    await filter.locator('option', { hasText: 'nightly' }).waitFor({ state: 'attached' });

    // A name its siblings have is refused, and the dashboard says why.
    await page.getByRole('button', { name: 'New group…' }).click();
    await form.getByRole('textbox', { name: 'Group name' }).fill('nightly');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByText('a group named nightly already exists there').waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('link', { name: 'other-job', exact: true }).click();
    const select = page.getByRole('combobox', { name: 'Group' });
    await select.selectOption({ label: 'nightly' });
    const groupOf = async () => (await client.listJobConfig({ params: { job_id: otherId } })).result.group_id;
    const tree = (await client.listGroupTree({ params: { project_id: await projectId(client) } })).result as {
      id: string;
      name: string;
    }[];
    await expect.poll(groupOf).toBe(tree.find((g) => g.name === 'nightly')?.id);

    await page.goto(`${server.url}/`);
    await filter.selectOption({ label: 'nightly' });
    await page.getByRole('link', { name: 'other-job', exact: true }).waitFor();
    await expect
      .poll(() => page.getByRole('link', { name: 'binned-in-browser', exact: true }).count())
      .toBe(0);
    await page.screenshot({ path: `${SHOTS}dashboard-groups.png`, fullPage: true });

    // A group with a job is not deleted.
    await page.getByRole('button', { name: 'Delete group' }).click();
    await page.getByText('has jobs: move them to another group first').waitFor();
  });

  it("shows a job's permissions and lets its manager change them", async () => {
    await page.goto(`${server.url}/jobs/${otherId}`);
    await page.getByText('Permissions', { exact: true }).click();
    const runByViewer = page.getByRole('checkbox', { name: 'viewer: Run and stop' });
    await runByViewer.waitFor();
    expect(await runByViewer.isChecked()).toBe(false);
    expect(await page.getByRole('checkbox', { name: 'project_admin: Edit' }).isDisabled()).toBe(true);
    await page.getByText("This job follows its project's permissions.").waitFor();
    await runByViewer.check();
    await page.getByRole('button', { name: 'Save permissions' }).click();
    await page.getByText('This job has its own permissions.').waitFor();
    await page.screenshot({ path: `${SHOTS}job-permissions.png`, fullPage: true });
    const rows = (await client.showJobRolePermission({ query: { job_id: otherId } })).result;
    expect(rows.find((r) => r.role_name === 'viewer')).toMatchObject({ is_execute: true, is_modify: false });
    await page.getByRole('button', { name: "Follow the project's permissions" }).click();
    await page.getByText("This job follows its project's permissions.").waitFor();
    expect((await client.showJobInfo({ params: { job_id: otherId } })).result.project_permission_switch).toBe(
      true,
    );
  });

  it("shows a job's insights: its weeks and a flaky commit linked to its builds", async () => {
    const now = Date.now();
    const imported = await fetch(`${server.url}/v1/kiln/jobs/${otherId}/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'x-auth-token': token },
      body: `${recordLine(1, { start_time: now - 120_000, commit_id: 'f1a2b3c4d5' })}\n${recordLine(2, {
        start_time: now - 60_000,
        commit_id: 'f1a2b3c4d5',
        state: 'FAILURE',
      })}\n`,
    });
    expect(imported.status, await imported.text()).toBe(200);
    await page.goto(`${server.url}/jobs/${otherId}`);
    await page.getByText('Insights', { exact: true }).click();
    const flaky = page.getByRole('list', { name: 'Flaky commits' });
    // Longer than the default: under CI's parallel rounds on two cores this list once took over 30 s.
    await flaky.waitFor({ timeout: 90_000 });
    expect((await flaky.textContent())?.replace(/\s+/g, ' ')).toContain('f1a2b3c4: #1 SUCCESS, #2 FAILURE');
    await flaky.getByRole('link', { name: '#2' }).waitFor();
    const weeks = page.getByRole('table', { name: /^By week/ });
    // A minute apart: one week, or two when a Monday began between them.
    await expect
      .poll(async () => (await weeks.locator('tbody tr').allTextContents()).join(' '))
      .toMatch(/\d %/);
    await page.screenshot({ path: `${SHOTS}job-insights.png`, fullPage: true });

    // The project's insights, under its jobs, take its jobs together and name the flaky commit's.
    await page.goto(`${server.url}/`);
    const project = page.getByRole('region', { name: /^default/ });
    await project.locator('details.job-insights > summary').click();
    const projectFlaky = project.getByRole('list', { name: 'Flaky commits' });
    await projectFlaky.waitFor();
    const otherName = (await client.showJobInfo({ params: { job_id: otherId } })).result.job_name;
    expect((await projectFlaky.textContent())?.replace(/\s+/g, ' ')).toContain(
      `${otherName} f1a2b3c4: #1 SUCCESS, #2 FAILURE`,
    );
    expect(await project.getByRole('table', { name: /^By week/ }).textContent()).toMatch(
      /each job's branch \(\d+ jobs?\)/,
    );
  });

  it('broke no Content-Security-Policy rule on the way', () => {
    expect(cspViolations).toEqual([]);
  });
});
