import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * The job page offers only what the person may do with the job (Chromium against a real `kiln
 * serve`): Run…, Edit job, Copy… and Delete… follow the job's is_execute, is_modify, is_copy and
 * is_delete for the signed-in person (ShowJobInfo), as the project's job list does. The page
 * offered all four to a viewer, whose every click the server then refused. A build's page likewise
 * offers Stop and Rebuild only to those who may run the job: it offered them to a viewer too. And
 * the projects page offers New job and the group actions only to a role that may use them.
 */

const USER = 'job-viewer';
const PASSWORD = 'job-viewer-pass-1';

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let admin: Kiln;
let project = '';
let jobId = '';
let longJob = '';
let longBuild = 0;

beforeAll(async () => {
  server = await startServerProcess();
  ({ client: admin } = await signedInClient(server.url, 'admin', server.adminPassword));
  project = await projectId(admin);
  jobId = await createShellJob(admin, project, 'guarded-job', ['true']);
  expect(await runToEnd(admin, jobId)).toBe('SUCCESS');
  longJob = await createShellJob(admin, project, 'long-job', ['echo started; sleep 120']);
  longBuild = Number((await admin.runJob({ body: { job_id: longJob } })).actual_build_number);
  await admin.createUser({ body: { name: USER, password: PASSWORD } });
  await admin.setMember({ params: { project_id: project, user: USER }, body: { role: 'viewer' } });
  browser = await launchChromium();
  page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  await page.getByLabel('User name').fill(USER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
});

afterAll(async () => {
  if (longBuild)
    await admin.stopBuildJob({ params: { job_id: longJob, build_no: longBuild } }).catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

/** What the job page offers, by the flag that allows it. */
const ACTIONS = [
  ['is_execute', () => page.getByRole('button', { name: 'Run…' })],
  ['is_modify', () => page.getByRole('link', { name: 'Edit job' })],
  ['is_copy', () => page.getByRole('button', { name: 'Copy…' })],
  ['is_delete', () => page.getByRole('button', { name: 'Delete…' })],
] as const;

/** The flags the server gives the test's user for the job. */
async function mine() {
  const { client } = await signedInClient(server.url, USER, PASSWORD);
  return (await client.showJobInfo({ params: { job_id: jobId } })).result;
}

/** Opens the job page and waits until it knows the job (and what the user may do with it). */
async function openJob() {
  await page.goto(`${server.url}/jobs/${jobId}`);
  await page.getByRole('heading', { level: 1, name: 'guarded-job' }).waitFor();
  await page.getByRole('link', { name: 'Changes' }).waitFor();
}

describe('the job page and what the person may do', () => {
  it('offers a viewer neither Run, Edit, Copy nor Delete', async () => {
    expect(await mine()).toMatchObject({
      is_execute: false,
      is_modify: false,
      is_copy: false,
      is_delete: false,
    });
    await openJob();
    // The flags arrive in their own read: give it time to (wrongly) show any of them.
    await page.waitForLoadState('networkidle');
    for (const [, action] of ACTIONS) expect(await action().count()).toBe(0);
  });

  it("offers a viewer neither Stop nor Rebuild on a build's page", async () => {
    // A finished build: its page reads nothing more once it has what it shows.
    await page.goto(`${server.url}/jobs/${jobId}/builds/1`);
    await page.getByRole('button', { name: 'Download log' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('button', { name: 'Rebuild' }).count()).toBe(0);
    // A running one (read again and again): the page knows what the person may do once
    // ShowJobInfo has answered.
    const info = page.waitForResponse((r) => r.url().endsWith(`/v1/job/${longJob}/info`) && r.ok());
    await page.goto(`${server.url}/jobs/${longJob}/builds/${longBuild}`);
    await info;
    await page.getByTestId('log').getByText('started').waitFor();
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Rebuild' }).count()).toBe(0);
  });

  it("offers a viewer neither New job nor the project's group actions", async () => {
    const permission = page.waitForResponse((r) => r.url().includes('/v1/domain/user-permission') && r.ok());
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'guarded-job' }).waitFor();
    await permission;
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('link', { name: 'New job' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'New group…' }).count()).toBe(0);
  });

  it('offers a developer what the job lets developers do', async () => {
    await admin.setMember({ params: { project_id: project, user: USER }, body: { role: 'developer' } });
    const flags = await mine();
    expect(flags.is_execute).toBe(true);
    await openJob();
    await page.getByRole('button', { name: 'Run…' }).waitFor();
    await page.waitForLoadState('networkidle');
    for (const [flag, action] of ACTIONS)
      expect({ flag, shown: await action().count() }).toEqual({ flag, shown: flags[flag] ? 1 : 0 });
    // On the projects page, New job and the group actions.
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'New job' }).waitFor();
    await page.getByRole('button', { name: 'New group…' }).waitFor();
    // And on a running build's page, Stop and Rebuild.
    await page.goto(`${server.url}/jobs/${longJob}/builds/${longBuild}`);
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await page.getByRole('button', { name: 'Rebuild' }).waitFor();
  });
});
