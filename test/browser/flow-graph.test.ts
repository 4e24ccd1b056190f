import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { launchChromium, signedInPage, watchCsp, type Chromium } from './helpers/chromium.ts';
import { projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * A BuildFlow on the build page, in Chromium against a real `kiln serve` running a real flow
 * (a diamond whose one branch fails, so its last job never runs): the flow's build draws its jobs
 * in columns by dependency depth with their statuses, durations and numbers, and the edges between
 * them, moving on while the flow runs; a node opens its job's build, which says whose job it is and
 * links back. A code-based build that is no flow has no Flow section and no error. Screenshots go
 * to test-results/.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

const job = (command: string) =>
  `version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        name: run\n        inputs:\n          command: ${command}\n`;

const FILES = {
  '.cloudbuild/build.yml': `version: 2.0
buildflow:
  strategy: eager
  jobs:
    - {job: compile, build_ref: .cloudbuild/compile.yml}
    - {job: unit-tests, depends_on: [compile], build_ref: .cloudbuild/ok.yml}
    - {job: lint, depends_on: [compile], build_ref: .cloudbuild/lint.yml}
    - {job: package, depends_on: [unit-tests, lint], build_ref: .cloudbuild/ok.yml}
`,
  // Long enough for the page to see the flow running before it ends.
  '.cloudbuild/compile.yml': job('echo compiling; sleep 4'),
  '.cloudbuild/ok.yml': job('echo fine'),
  '.cloudbuild/lint.yml': job('echo lint failed; exit 3'),
};

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;
let repo: TestRepo;
let flowJob = '';
let plainJob = '';
const cspViolations: string[] = [];

async function createYamlJob(name: string, path?: string): Promise<string> {
  const made = await client.createBuildJob({
    body: {
      arch: 'x86-64',
      project_id: await projectId(client),
      job_name: name,
      build_config_type: 'YAML',
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [],
      ...(path && {
        parameters: [
          {
            name: 'hudson.model.StringParameterDefinition',
            params: [
              { name: 'name', value: 'CB_BUILD_YAML_PATH' },
              { name: 'defaultValue', value: path },
            ],
          },
        ],
      }),
    },
  });
  return made.result.job_id;
}

/** Status words of the page's nodes, by job name. */
async function nodeStatuses(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const a of await page.locator('.flow-graph .flow-node').all())
    out[(await a.locator('title').textContent()) ?? ''] = (await a.getAttribute('data-status')) ?? '';
  return out;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  repo = new TestRepo();
  repo.commit('a flow', FILES);
  server = await startServerProcess();
  client = (await signedInClient(server.url, 'admin', server.adminPassword)).client;
  flowJob = await createYamlJob('flow-job');
  plainJob = await createYamlJob('plain-yaml-job', '.cloudbuild/ok.yml');
  browser = await launchChromium();
  await watchCsp(browser.context, cspViolations);
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  if (process.env.KILN_TEST_VERBOSE) console.log(server?.output());
  await browser?.close();
  await server?.stop();
});

describe("a BuildFlow's graph on the build page", () => {
  it('draws the jobs while the flow runs, and their ends once they come', async () => {
    const run = await client.runJob({ body: { job_id: flowJob } });
    expect(run.actual_build_number).toBe('1');
    await page.goto(`${server.url}/jobs/${flowJob}/builds/1`);
    await page.getByRole('heading', { name: 'Flow' }).waitFor({ timeout: 30_000 });
    await page.locator('.flow-node[data-status="running"]').first().waitFor({ timeout: 30_000 });
    expect((await nodeStatuses()).compile).toBe('running');
    await page.screenshot({ path: `${SHOTS}flow-running.png`, fullPage: true });

    // Read again with the build: every job shows up and ends without reloading the page.
    await page.locator('.flow-node[data-status="aborted"]').waitFor({ timeout: 60_000 });
    await page.locator('h1 [data-status="failure"]').waitFor({ timeout: 30_000 });
    expect(await nodeStatuses()).toEqual({
      compile: 'success',
      'unit-tests': 'success',
      lint: 'failure',
      package: 'aborted',
    });
    await page.screenshot({ path: `${SHOTS}flow-ended.png`, fullPage: true });
    // The flow itself runs on no runner (its jobs do), though a runner read its build.yml.
    expect(await page.getByTestId('build-runner').textContent()).toContain(
      "none: a BuildFlow's jobs run as builds of their own",
    );
  });

  it('lays the jobs out by dependency depth and draws an edge per dependency', async () => {
    const recordId = (await client.showRecordDetail({ params: { job_id: flowJob, build_no: 1 } })).result.id;
    const graph = (await client.showBuildRecordFlowGraph({ params: { build_flow_record_id: recordId } }))
      .result;
    const idOf = Object.fromEntries(graph.vertices.map((v) => [v.display_name, v.id]));
    const columns: Record<string, string> = {};
    for (const [name, id] of Object.entries(idOf))
      columns[name] =
        (await page.locator(`.flow-node[data-vertex="${id}"]`).getAttribute('data-column')) ?? '';
    expect(columns).toEqual({ compile: '0', 'unit-tests': '1', lint: '1', package: '2' });

    const edges = page.locator('.flow-graph .flow-edge');
    expect(await edges.count()).toBe(4);
    const drawn = new Set<string>();
    for (const e of await edges.all())
      drawn.add(`${await e.getAttribute('data-from')}>${await e.getAttribute('data-to')}`);
    expect(drawn).toEqual(new Set(graph.edges.map((e) => `${e.from}>${e.to}`)));

    // Each node says it all in its link's name: name, status, duration, build number.
    const lint = graph.vertices.find((v) => v.display_name === 'lint')!;
    const label = await page.locator(`.flow-node[data-vertex="${lint.id}"]`).getAttribute('aria-label');
    expect(label).toMatch(new RegExp(`^lint: Failed, [0-9.]+ (ms|s), build #${lint.build_no}$`));
    expect(await page.locator(`.flow-node[data-vertex="${lint.id}"] text`).allTextContents()).toEqual([
      'lint',
      'Failed',
      expect.stringMatching(new RegExp(`^#${lint.build_no} · `)),
    ]);
  });

  it("opens a job's build from its node; that build links back to its flow", async () => {
    const lintNode = page.getByRole('link', { name: /^lint: / });
    const buildNo = /build #(\d+)$/.exec((await lintNode.getAttribute('aria-label')) ?? '')?.[1];
    await lintNode.click();
    await page.waitForURL(`${server.url}/jobs/${flowJob}/builds/${buildNo}`);
    await page.getByRole('heading', { name: `Build #${buildNo}` }).waitFor();
    const back = page.locator('.flow-parent');
    await back.getByRole('link', { name: '#1' }).waitFor();
    expect((await back.textContent())?.trim()).toBe('Job of BuildFlow #1');
    // A job of a flow is no flow itself.
    expect(await page.getByRole('heading', { name: 'Flow' }).count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}flow-job.png`, fullPage: true });

    await back.getByRole('link', { name: '#1' }).click();
    await page.waitForURL(`${server.url}/jobs/${flowJob}/builds/1`);
    await page.getByRole('heading', { name: 'Flow' }).waitFor();
    expect(await page.locator('.flow-parent').count()).toBe(0);
  });

  it('shows no Flow section and no error for a code-based build that is no flow', async () => {
    await client.runJob({ body: { job_id: plainJob } });
    await page.goto(`${server.url}/jobs/${plainJob}/builds/1`);
    await page.locator('h1 [data-status="success"]').waitFor({ timeout: 60_000 });
    // The graph is read with the build: give its 404 a moment to answer.
    await page.waitForTimeout(1000);
    expect(await page.getByRole('heading', { name: 'Flow' }).count()).toBe(0);
    expect(await page.locator('.error-message').count()).toBe(0);
    expect(await page.locator('.flow-parent').count()).toBe(0);
  });

  it('broke no Content-Security-Policy rule on the way', () => {
    expect(cspViolations).toEqual([]);
  });
});
