import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * The build page of a build that is not there (a link to a build of a job since deleted, or a
 * number past the job's last build): the server's 404 is the answer, so the page says the build
 * could not be found and stops waiting for it. It kept "Loading build…" in the heading beside the
 * 404 and "The log could not be read; retrying." over "Waiting for the first lines…", reading the
 * build every 4 s and the log every 2.5 s for as long as the tab stays open.
 */

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let kept = '';
let deleted = '';

beforeAll(async () => {
  server = await startServerProcess();
  const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
  const project = await projectId(client);
  kept = await createShellJob(client, project, 'kept-job', ['echo one']);
  deleted = await createShellJob(client, project, 'deleted-job', ['echo one']);
  expect(await runToEnd(client, kept)).toBe('SUCCESS');
  expect(await runToEnd(client, deleted)).toBe('SUCCESS');
  await client.deleteBuildJob({ params: { job_id: deleted } });
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const logText = async () => (await page.locator('section.log-section').textContent()) ?? '';

describe('the build page of a build that is not there', () => {
  for (const [what, url] of [
    ['a build of a deleted job', () => `${server.url}/jobs/${deleted}/builds/1`],
    ['a number past the last build', () => `${server.url}/jobs/${kept}/builds/7`],
    // Not a job id at all (a mistyped link): a 400, retried for as long as the tab stayed open.
    ['a job id no job can have', () => `${server.url}/jobs/nonexistent/builds/1`],
  ] as const) {
    it(`says so and stops waiting: ${what}`, async () => {
      await page.goto(url());
      await page.getByText('The build could not be loaded.').waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).not.toContain('Loading build…');
      // The log is no build's either: no waiting for its lines, no retrying.
      await expect.poll(async () => /retrying|Waiting for the first lines/.test(await logText())).toBe(false);
    });
  }
});

/**
 * The job page of a job that is not there (deleted to the recycle bin): the server's 404 is the
 * answer, so the page says the job was not found and offers nothing to do with it. It kept
 * "Loading job…" in the heading beside the 404 and offered Run…, Edit job and Changes.
 */
describe('the job page of a job that is not there', () => {
  it('says so for a job id no job can have (a 400), and offers no actions', async () => {
    await page.goto(`${server.url}/jobs/nonexistent`);
    await page.getByText('The job could not be loaded.').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Job not found');
    expect(await page.getByRole('button', { name: /^Run/ }).count()).toBe(0);
  });

  it('says so for a deleted job, offers no actions and stops reading', async () => {
    const asked: string[] = [];
    const listen = (request: { url(): string }) => {
      if (request.url().includes(deleted)) asked.push(request.url());
    };
    page.on('request', listen);
    await page.goto(`${server.url}/jobs/${deleted}`);
    await page.getByText('The job could not be loaded.').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Job not found');
    expect(await page.getByText('Loading job…').count()).toBe(0);
    for (const name of [/^Run/, /^Edit/, /^Changes/, /^Copy/, /^Delete/])
      expect(await page.getByRole('button', { name }).or(page.getByRole('link', { name })).count()).toBe(0);
    // Nothing more is asked of the job once it is known to be gone.
    await page.waitForTimeout(500);
    const before = asked.length;
    await page.waitForTimeout(5_000);
    page.off('request', listen);
    expect(asked.length).toBe(before);
  });
});
