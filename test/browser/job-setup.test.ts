import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, watchCsp, type Chromium } from './helpers/chromium.ts';
import { projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * The job page shows the job's setup (Chromium against a real `kiln serve` whose KILN_TIMEZONE is
 * Europe/Paris): a new user who created a job with a schedule found the page showed no triggers,
 * parameters or repository, only Edit job did. The Setup section shows them read-only from the
 * document the API gives: how the build is defined, the repository (its credentials masked) and
 * branch, each schedule in its zone and when it builds next (Kiln's ListJobSchedules, shown in the
 * viewer's zone), the push trigger's branches, the parameters (a sensitive
 * default masked, choices listed) and the timeout; "Edit setup" only for those who may change the
 * job, so a viewer sees the setup without it. It fits a phone's 390 px.
 */

/** What page.evaluate reads in the page (this file is compiled without the DOM). */
declare const document: { documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };

const VIEWER = 'setup-viewer';
const VIEWER_PASSWORD = 'setup-viewer-pass-1';
const TOKEN = 's3cr3t-token';
const SECRET_DEFAULT = 'hunter2-default';

let server: ServerProcess;
let admin: Kiln;
let browser: Chromium;
let viewerBrowser: Chromium;
let page: Page;
let jobId = '';
let yamlJobId = '';
const cspViolations: string[] = [];

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_TIMEZONE: 'Europe/Paris' } });
  ({ client: admin } = await signedInClient(server.url, 'admin', server.adminPassword));
  const project = await projectId(admin);
  const created = await admin.createBuildJob({
    body: {
      arch: 'x86-64',
      project_id: project,
      job_name: 'setup-shown',
      scms: [
        { url: `https://ci-bot:${TOKEN}@git.example.com/team/app.git`, scm_type: 'git', branch: 'main' },
      ],
      steps: [
        { module_id: 'kiln.shell', name: 'build', properties: { command: 'make' } },
        { module_id: 'kiln.shell', name: 'test', properties: { command: 'make test' } },
      ],
      parameters: [
        {
          name: 'hudson.model.StringParameterDefinition',
          params: [
            { name: 'name', value: 'TARGET' },
            { name: 'defaultValue', value: 'staging' },
            { name: 'limits', value: null, limits: [{ name: 'staging' }, { name: 'production' }] },
          ],
        },
        {
          name: 'hudson.model.StringParameterDefinition',
          params: [
            { name: 'name', value: 'DEPLOY_TOKEN' },
            { name: 'defaultValue', value: SECRET_DEFAULT },
            { name: 'sensitiveVar', value: 'true' },
          ],
        },
      ],
      triggers: [
        { name: 'timer', parameters: [{ name: 'cron', value: '0 2 * * *' }] },
        {
          name: 'hudson.triggers.TimerTrigger',
          parameters: [
            { name: 'spec', value: '30 9 * * 1-5' },
            { name: 'timeZoneId', value: 'Asia/Shanghai' },
          ],
        },
        { name: 'code_update', parameters: [{ name: 'branches', value: 'main, release/*' }] },
      ],
      timeout: { limit: '45', unit: 'MINUTES' },
    },
  });
  jobId = created.result.job_id;
  const yaml = await admin.createBuildJob({
    body: {
      arch: 'x86-64',
      project_id: project,
      job_name: 'setup-code-based',
      scms: [{ url: 'https://git.example.com/team/lib.git', scm_type: 'git' }],
      build_config_type: 'YAML',
      steps: [],
      parameters: [
        {
          name: 'hudson.model.StringParameterDefinition',
          params: [
            { name: 'name', value: 'CB_BUILD_YAML_PATH' },
            { name: 'defaultValue', value: 'ci/build.yml' },
          ],
        },
      ],
    },
  });
  yamlJobId = yaml.result.job_id;
  await admin.createUser({ body: { name: VIEWER, password: VIEWER_PASSWORD } });
  await admin.setMember({ params: { project_id: project, user: VIEWER }, body: { role: 'viewer' } });
  browser = await launchChromium({ width: 390, height: 844 });
  await watchCsp(browser.context, cspViolations);
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await viewerBrowser?.close();
  await browser?.close();
  await server?.stop();
});

/**
 * Opens a job's page and waits for its setup (and for `nextTimes` schedules' next times, which come
 * with an answer of their own); the setup's terms and their texts.
 */
async function openSetup(on: Page, id: string, nextTimes = 0): Promise<Record<string, string>> {
  await on.goto(`${server.url}/jobs/${id}`);
  const section = on.getByRole('region', { name: 'Setup' });
  await section.getByRole('heading', { level: 2, name: 'Setup' }).waitFor();
  const list = section.getByTestId('job-setup');
  await list.waitFor();
  if (nextTimes > 0)
    await list
      .locator('time')
      .nth(nextTimes - 1)
      .waitFor();
  const terms = await list.locator('dt').allTextContents();
  const values = await list.locator('dd').allTextContents();
  return Object.fromEntries(terms.map((t, i) => [t, (values[i] ?? '').replace(/\s+/g, ' ').trim()]));
}

/** The viewer's zone and locale, as the browser has them (launchChromium: en-US, TZ): formatLocalTime's form. */
const localTime = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  ...(process.env.TZ && { timeZone: process.env.TZ }),
});

describe("the job page's setup", () => {
  it('shows the definition, repository, triggers, parameters and timeout, secrets masked', async () => {
    // When the timers build next, as the server says: 02:00 in Paris, 09:30 on a weekday in Shanghai.
    const [paris, shanghai] = (await admin.listJobSchedules({ params: { job_id: jobId } })).result.schedules;
    expect(paris?.next_due_time).toMatch(/T02:00:00\+0[12]:00$/);
    expect(shanghai?.next_due_time).toMatch(/T09:30:00\+08:00$/);
    const next = (at: number | null | undefined) => localTime.format(new Date(at ?? NaN));
    const shown = await openSetup(page, jobId, 2);
    expect(shown).toEqual({
      Build: 'Graphical: 2 steps',
      Repository: 'https://******@git.example.com/team/app.git',
      Branch: 'main',
      Timeout: '45 minutes',
      Triggers:
        `Schedule 0 2 * * *, in the server's time zone (Europe/Paris), next: ${next(paris?.next_due_at)}` +
        `Schedule 30 9 * * 1-5, in Asia/Shanghai, next: ${next(shanghai?.next_due_at)}` +
        'Push to the repository, on main, release/*',
      Parameters: 'TARGET = staging · one of staging, production' + 'DEPLOY_TOKEN = ****** (sensitive)',
    });
    // Each trigger and parameter is an item of its own list.
    const setup = page.getByTestId('job-setup');
    expect(await setup.getByRole('listitem').count()).toBe(5);
    // The secrets are nowhere on the page: the token the API gives an editor is masked here too.
    const text = await page.locator('main').innerText();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SECRET_DEFAULT);
    // The admin may change the job: the section links to its form.
    const edit = page.getByRole('region', { name: 'Setup' }).getByRole('link', { name: 'Edit setup' });
    expect(await edit.getAttribute('href')).toBe(`/jobs/${jobId}/edit`);
    // It fits the phone's width.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(
      true,
    );
    expect(cspViolations).toEqual([]);
  });

  it("shows a code-based job's build.yml and a job with no triggers or parameters", async () => {
    const shown = await openSetup(page, yamlJobId);
    expect(shown).toEqual({
      Build: 'Code-based: ci/build.yml in the repository',
      Repository: 'https://git.example.com/team/lib.git',
      Branch: "The repository's default",
      Timeout: '1 hour (the default)',
      Triggers: 'None: builds start only when someone runs the job.',
      Parameters: 'None',
    });
  });

  it('shows a viewer the setup but no link to edit it', async () => {
    viewerBrowser = await launchChromium({ width: 390, height: 844 });
    const viewer = await viewerBrowser.context.newPage();
    await viewer.goto(`${server.url}/`);
    await viewer.getByLabel('User name').fill(VIEWER);
    await viewer.getByLabel('Password').fill(VIEWER_PASSWORD);
    await viewer.getByRole('button', { name: 'Sign in' }).click();
    await viewer.getByRole('heading', { name: 'Projects' }).waitFor();
    const info = viewer.waitForResponse((r) => r.url().endsWith(`/v1/job/${jobId}/info`) && r.ok());
    const shown = await openSetup(viewer, jobId);
    await info;
    expect(shown.Repository).toBe('https://******@git.example.com/team/app.git');
    expect(shown.Parameters).toContain('DEPLOY_TOKEN = ****** (sensitive)');
    expect(shown.Triggers).toContain('Push to the repository, on main, release/*');
    // What the person may do has arrived (ShowJobInfo above): neither edit link is offered.
    await viewer.getByRole('link', { name: 'Changes' }).waitFor();
    await viewer.waitForLoadState('networkidle');
    expect(await viewer.getByRole('link', { name: 'Edit setup' }).count()).toBe(0);
    expect(await viewer.getByRole('link', { name: 'Edit job' }).count()).toBe(0);
    expect(await viewer.locator('main').innerText()).not.toContain(SECRET_DEFAULT);
  });
});
