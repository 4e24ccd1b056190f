import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { launchChromium, signedInPage, watchCsp, type Chromium } from './helpers/chromium.ts';
import { projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * The dashboard and code-based jobs, in Chromium against a real `kiln serve`: a job made with the
 * form on a repository that holds `.cloudbuild/build.yml` (its validation errors first), run for
 * real; the build page shows its stages and their statuses while it runs, one stage's log, the
 * whole log, and the build.yml it read. Then a graphical job with a CodeArts module step, edited
 * and saved without losing that step. Screenshots go to test-results/.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

const BUILD_YML = `version: 2.0
steps:
  PRE_BUILD:
    - checkout:
        name: get the code
  BUILD:
    - sh:
        name: compile
        inputs:
          command: for i in $(seq 1 12); do echo "compiling $i"; sleep 0.5; done
    - sh:
        name: package
        inputs:
          command: echo "packaged $(cat VERSION)"
`;
const MAVEN_MODULE = 'devcloud2018.codeci_action_20043.action';

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let repo: TestRepo;
let commit = '';
let jobId = '';
const cspViolations: string[] = [];

const shot = (name: string) => page.screenshot({ path: `${SHOTS}code-based-${name}.png`, fullPage: true });

// Run in the page (tests are compiled without the DOM's types): the little they use.
declare const getComputedStyle: (element: unknown) => { backgroundColor: string };
declare const document: {
  querySelectorAll(selector: string): Iterable<{ getAttribute(name: string): string | null }>;
};

/**
 * Stage key -> status word, as the build page shows them, read in one go (the page updates as it
 * runs). Given a stage key: the reading only once that stage is running, else nothing.
 */
function readStages(whileRunning: string | undefined): Record<string, string> | undefined {
  const stages: Record<string, string> = Object.fromEntries(
    [...document.querySelectorAll('.stages [data-stage]')].map((li) => [
      li.getAttribute('data-stage') ?? '',
      li.getAttribute('data-stage-status') ?? '',
    ]),
  );
  return whileRunning === undefined || stages[whileRunning] === 'RUNNING' ? stages : undefined;
}
const stageStatuses = async () => (await page.evaluate(readStages, undefined)) ?? {};

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  repo = new TestRepo();
  commit = repo.commit('code-based', { '.cloudbuild/build.yml': BUILD_YML, VERSION: '1.2.3\n' });
  server = await startServerProcess();
  browser = await launchChromium();
  await watchCsp(browser.context, cspViolations);
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  if (process.env.KILN_TEST_VERBOSE) console.log(server?.output());
  await browser?.close();
  await server?.stop();
});

describe('a code-based job in the dashboard', () => {
  it('is made with the form: build.yml in the repository, which needs the repository', async () => {
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByLabel('Job name').fill('from-build-yml');
    await page.getByLabel('build.yml in the repository').check();
    expect(await page.getByLabel('Step 1 command').count()).toBe(0);
    await page.getByLabel('Clone URL').fill('');
    await page.getByLabel('build.yml path').fill('../outside.yml');
    await page.getByRole('button', { name: 'Create job' }).click();

    // Both problems at once, each under its field.
    await page.locator('.error-summary').waitFor();
    const url = page.getByLabel('Clone URL');
    const path = page.getByLabel('build.yml path');
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    expect(await path.getAttribute('aria-invalid')).toBe('true');
    const describedBy = async (field: typeof url) =>
      page
        .locator(`[id="${(await field.getAttribute('aria-describedby'))?.split(' ').pop()}"]`)
        .textContent();
    expect(await describedBy(url)).toContain('needs a repository');
    expect(await describedBy(path)).toContain('is not a path inside the repository');
    await shot('form-errors');

    await url.fill(repo.url);
    await path.fill('');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-z]{32}$/);
    jobId = /\/jobs\/([0-9a-z]{32})/.exec(page.url())?.[1] ?? '';

    const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
    const stored = (await client.listJobConfig({ params: { job_id: jobId } })).result;
    expect(stored.build_config_type).toBe('YAML');
    expect(stored.steps).toEqual([]);
    expect(stored.parameters ?? []).toEqual([]);
  });

  it('stays code-based when edited; a path given becomes CB_BUILD_YAML_PATH', async () => {
    await page.goto(`${server.url}/jobs/${jobId}/edit`);
    const yaml = page.getByLabel('build.yml in the repository');
    await yaml.waitFor();
    expect(await yaml.isChecked()).toBe(true);
    await page.getByLabel('build.yml path').fill('.cloudbuild/build.yml');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/jobs/${jobId}$`));
    const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
    const stored = (await client.listJobConfig({ params: { job_id: jobId } })).result;
    expect(stored.build_config_type).toBe('YAML');
    expect(JSON.stringify(stored.parameters)).toContain('"CB_BUILD_YAML_PATH"');
  });

  it("runs: its stages with their statuses while it runs, a stage's log, the whole log, the build.yml", async () => {
    await page.getByRole('button', { name: 'Run…' }).click();
    await page.getByRole('button', { name: 'Start build' }).click();
    await page.waitForURL(/\/builds\/1$/);
    await page.getByText('build.yml in the repository').waitFor();

    // The compile stage is seen running (while package has not run yet), then selected: its log
    // is read again while it grows.
    const compile = page.locator('[data-stage="stage2"]');
    const running = await page.waitForFunction(readStages, 'stage2', { timeout: 30_000 });
    expect(await running.jsonValue()).toMatchObject({ stage1: 'SUCCESS', stage3: 'INIT', final: 'INIT' });
    // A build with steps of its own is no BuildFlow: its flow graph (a 404) is not asked for again
    // as the build is read while it runs.
    let flowAsks = 0;
    const countFlowAsks = (request: { url(): string }) => {
      if (request.url().endsWith('/flow-graph')) flowAsks++;
    };
    page.on('request', countFlowAsks);
    await compile.getByRole('button').click();
    await page.waitForURL(/\?stage=stage2$/);
    await page.getByTestId('stage-log').getByText('compiling 1', { exact: true }).waitFor();
    await shot('stage-running');
    await page
      .getByTestId('stage-log')
      .getByText('compiling 12', { exact: true })
      .waitFor({ timeout: 15_000 });

    await page.locator('h1 [data-status="success"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-stage="final"][data-stage-status="SUCCESS"]').waitFor();
    page.off('request', countFlowAsks);
    expect(flowAsks).toBe(0);
    expect(await stageStatuses()).toEqual({
      initial: 'SUCCESS',
      stage1: 'SUCCESS',
      stage2: 'SUCCESS',
      stage3: 'SUCCESS',
      final: 'SUCCESS',
    });
    expect(await page.locator('.stages .stage-name').allTextContents()).toEqual([
      'Initialize',
      'get the code',
      'compile',
      'package',
      'Finalize',
    ]);
    expect(await page.locator('.stages .stage-time').first().textContent()).toMatch(/\d+(\.\d)? m?s/);

    // One stage's log holds its lines only.
    const stageLog = async () => (await page.getByTestId('stage-log').textContent()) ?? '';
    expect(await stageLog()).toContain('compiling 12');
    expect(await stageLog()).not.toContain('packaged');
    await page.locator('[data-stage="stage3"]').getByRole('button').click();
    await page.waitForURL(/\?stage=stage3$/);
    await page.getByTestId('stage-log').getByText('packaged 1.2.3').waitFor();
    expect(await stageLog()).not.toContain('compiling');
    expect(await page.getByRole('heading', { name: /Log of package/ }).count()).toBe(1);

    // Back to the whole log, which has both.
    await page.getByRole('button', { name: 'Show the whole log' }).click();
    await page.waitForURL(/\/builds\/1$/);
    const whole = (await page.getByTestId('log').textContent()) ?? '';
    expect(whole).toContain('compiling 12');
    expect(whole).toContain('packaged 1.2.3');

    // The build.yml it ran: the file at the commit built, and where it came from.
    await page.locator('.build-script summary').click();
    await page.locator('pre.script').waitFor();
    expect(await page.locator('pre.script').textContent()).toBe(BUILD_YML);
    const source = (await page.getByTestId('build-script-source').textContent()) ?? '';
    expect(source).toContain('.cloudbuild/build.yml');
    expect(source).toContain(commit.slice(0, 8));
    await shot('build');
  });

  it('folds a short step to its header, which stays readable under the pointer', async () => {
    const header = page.locator('[data-testid="log"] .log-section button', { hasText: '"get the code"' });
    await header.click();
    expect(await header.getAttribute('aria-expanded')).toBe('false');
    // The checkout's line and the step's closing line.
    expect(await header.textContent()).toMatch(/ · 2 lines folded$/);
    // The pointer is over it now: the log's dark row shows through, as for the others (not the
    // light fill of buttons elsewhere, under which its light text could not be read).
    await header.hover();
    expect(await header.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgba(0, 0, 0, 0)');
    await header.click();
    expect(await header.getAttribute('aria-expanded')).toBe('true');
  });

  it('opens on a stage from a link', async () => {
    await page.goto(`${server.url}/jobs/${jobId}/builds/1?stage=stage1`);
    await page.locator('[data-stage="stage1"] button[aria-pressed="true"]').waitFor();
    await page.getByRole('heading', { name: /Log of get the code/ }).waitFor();
  });
});

describe('a graphical job with a CodeArts module step', () => {
  it('shows the module in the form and keeps the step on save', async () => {
    const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
    const res = await client.createBuildJob({
      body: {
        arch: 'x86-64',
        project_id: await projectId(client),
        job_name: 'codearts-modules',
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        steps: [
          { module_id: MAVEN_MODULE, name: 'maven build', properties: null, version: '1.0' },
          { module_id: 'kiln.shell', name: 'after', properties: { command: 'echo after' } },
        ],
      },
    });
    const id = res.result.job_id;
    await page.goto(`${server.url}/jobs/${id}/edit`);
    const module = page.locator(`.step-module[data-module="${MAVEN_MODULE}"]`);
    await module.waitFor();
    expect(await module.textContent()).toContain(`Maven (CodeArts module ${MAVEN_MODULE})`);
    // Its command is empty: the module's default, shown as the placeholder.
    expect(await page.getByLabel('Step 1 command').inputValue()).toBe('');
    expect(await page.getByLabel('Step 1 command').getAttribute('placeholder')).toContain('mvn package');
    expect(await page.getByLabel('Steps in the job').isChecked()).toBe(true);
    await shot('module-step');
    await page.getByLabel('Step 2 command').fill('echo after, edited');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/jobs/${id}$`));

    const stored = (await client.listJobConfig({ params: { job_id: id } })).result;
    expect(stored.steps).toEqual([
      { module_id: MAVEN_MODULE, name: 'maven build', properties: null, version: '1.0', enable: true },
      {
        module_id: 'kiln.shell',
        name: 'after',
        properties: { command: 'echo after, edited' },
        enable: true,
      },
    ]);
  });
});

describe('the Content-Security-Policy on these pages', () => {
  it('blocked nothing', () => {
    expect(cspViolations).toEqual([]);
  });
});
