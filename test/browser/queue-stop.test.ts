import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * Stop on the Queue page (Chromium against a real `kiln serve` with one runner slot, so one build
 * runs and the next waits): Stop (StopBuildJob, as the build page's) is on the rows of the jobs the
 * person may run (the queue's is_execute), so a viewer sees the builds and no Stop; an accepted
 * stop keeps the button "Stopping…", disabled,
 * until the build has ended and its row has left the queue, for a waiting build and a running one.
 */

const USER = 'queue-viewer';
const PASSWORD = 'queue-viewer-pass-1';

let server: ServerProcess;
let browser: Chromium;
let admin: Kiln;
let page: Page;
let viewerPage: Page;
let running = '';
let waiting = '';

async function state(jobId: string): Promise<{ running: string; state: string }> {
  const r = (await admin.showBuildInfoRecord({ params: { job_id: jobId, build_no: 1 } })).result;
  return { running: r.job_running_status, state: r.state };
}

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '1' } });
  ({ client: admin } = await signedInClient(server.url, 'admin', server.adminPassword));
  const project = await projectId(admin);
  // Its step ignores SIGTERM, so it runs on through the kill grace after the stop is accepted.
  running = await createShellJob(admin, project, 'stubborn-sleeper', [
    "trap '' TERM; echo sleeping; sleep 60",
  ]);
  waiting = await createShellJob(admin, project, 'patient-sleeper', ['sleep 60']);
  await admin.runJob({ body: { job_id: running } });
  for (let tries = 0; (await state(running)).running !== 'Running'; tries++) {
    if (tries > 300) throw new Error('the first build never started');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await admin.runJob({ body: { job_id: waiting } });
  await admin.createUser({ body: { name: USER, password: PASSWORD } });
  await admin.setMember({ params: { project_id: project, user: USER }, body: { role: 'viewer' } });
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
  viewerPage = await browser.context.newPage();
  await viewerPage.goto(`${server.url}/`);
  await viewerPage.getByLabel('User name').fill(USER);
  await viewerPage.getByLabel('Password').fill(PASSWORD);
  await viewerPage.getByRole('button', { name: 'Sign in' }).click();
  await viewerPage.getByRole('heading', { name: 'Projects' }).waitFor();
});

afterAll(async () => {
  for (const job of [running, waiting])
    if (job) await admin.stopBuildJob({ params: { job_id: job, build_no: 1 } }).catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

const runningRow = (p: Page) => p.locator('[data-testid="queue-running"] tbody tr');
const waitingRow = (p: Page) => p.locator('[data-testid="queue-waiting"] tbody tr');

describe('Stop on the queue page', () => {
  it('shows a viewer the running and the waiting build with no Stop', async () => {
    await viewerPage.goto(`${server.url}/queue`);
    const running = runningRow(viewerPage).filter({ hasText: 'stubborn-sleeper' });
    const waiting = waitingRow(viewerPage).filter({ hasText: 'patient-sleeper' });
    await running.waitFor();
    await waiting.waitFor();
    // The rows came with the queue's answer, whose is_execute decides Stop: none is there to press.
    expect(await viewerPage.getByRole('button', { name: /^Stop / }).count()).toBe(0);
    // The admin, who may run both jobs, has Stop on both rows.
    await page.goto(`${server.url}/queue`);
    await runningRow(page).filter({ hasText: 'stubborn-sleeper' }).waitFor();
    expect(await page.getByRole('button', { name: /^Stop / }).allTextContents()).toEqual(['Stop', 'Stop']);
  });

  it('stops a waiting build: its row leaves the queue', async () => {
    await page.goto(`${server.url}/queue`);
    const row = waitingRow(page).filter({ hasText: 'patient-sleeper' });
    await row.getByRole('button', { name: 'Stop patient-sleeper #1' }).click();
    await page.getByText('Nothing is waiting.').waitFor();
    expect(await state(waiting)).toEqual({ running: 'Finished', state: 'ABORTED' });
  });

  it('keeps a running build\'s Stop at "Stopping…", disabled, until its row has left', async () => {
    const row = runningRow(page).filter({ hasText: 'stubborn-sleeper' });
    await row.waitFor();
    // Every state the row's stop button goes through, as the page shows it.
    await page.evaluate(`window.stopStates = [];
      new MutationObserver(() => {
        const b = document.querySelector('[data-testid="queue-running"] tbody tr button');
        const state = b ? b.textContent + (b.disabled ? ' (disabled)' : '') : 'gone';
        if (window.stopStates.at(-1) !== state) window.stopStates.push(state);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });`);
    await row.getByRole('button', { name: 'Stop stubborn-sleeper #1' }).click();
    await page.getByText('No build is running.').waitFor({ timeout: 30_000 });
    const states = await page.evaluate<string[]>('window.stopStates');
    expect(states.slice(states.indexOf('Stopping… (disabled)'))).toEqual(['Stopping… (disabled)', 'gone']);
    expect(await state(running)).toEqual({ running: 'Finished', state: 'ABORTED' });
  });
});
