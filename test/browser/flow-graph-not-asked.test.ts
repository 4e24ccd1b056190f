import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * The build page of a code-based build that is no BuildFlow does not ask for a flow graph
 * (`GET /v1/record/{id}/flow-graph`), in Chromium against a real `kiln serve` with one runner slot.
 * It asked with every read of the build (every 2 s) until the build.yml's steps showed among its
 * stages, and each ask was a 404 on the console. A build becomes a flow, or gets its steps, in the
 * transaction that marks it running: so the page asks only once a read of the stages after the
 * build started shows no steps. The build is held queued behind another (the state in which the
 * page asked most), then runs and finishes, the page open all along.
 */

const BUILD_YML = `version: 2.0
steps:
  BUILD:
    - sh:
        name: compile
        inputs:
          command: echo compiling; sleep 2; echo compiled
`;

let server: ServerProcess;
let browser: Chromium;
let client: Kiln;
let page: Page;
let repo: TestRepo;
let blocker = '';
let codeJob = '';

beforeAll(async () => {
  repo = new TestRepo();
  repo.commit('a plain build.yml', { '.cloudbuild/build.yml': BUILD_YML });
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '1' } });
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  const project = await projectId(client);
  blocker = await createShellJob(client, project, 'runner-hog', ['echo hogging; sleep 60']);
  codeJob = (
    await client.createBuildJob({
      body: {
        arch: 'x86-64',
        project_id: project,
        job_name: 'plain-code-based',
        build_config_type: 'YAML',
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        steps: [],
      },
    })
  ).result.job_id;
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  if (blocker) await client.stopBuildJob({ params: { job_id: blocker, build_no: 1 } }).catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

describe('the flow graph of a code-based build that is no flow', () => {
  it('is never asked for while the build waits, runs and ends: no 404 on the console', async () => {
    await client.runJob({ body: { job_id: blocker } });
    for (let tries = 0; ; tries++) {
      const r = (await client.showBuildInfoRecord({ params: { job_id: blocker, build_no: 1 } })).result;
      if (r.job_running_status === 'Running') break;
      if (tries > 300) throw new Error('the runner-hog never started');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await client.runJob({ body: { job_id: codeJob } });

    const asked: string[] = [];
    const notFound: string[] = [];
    const consoleErrors: string[] = [];
    const reads: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.endsWith('/flow-graph')) asked.push(path);
      if (path.endsWith('/full-stages')) reads.push(path);
    });
    page.on('response', (r) => {
      if (r.status() === 404) notFound.push(new URL(r.url()).pathname);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });

    await page.goto(`${server.url}/jobs/${codeJob}/builds/1`);
    await page.locator('h1 [data-status="queued"]').waitFor();
    // Several reads of the build (and its stages) while it waits: each asked for the graph before.
    const waitingReads = reads.length + 3;
    await expect.poll(() => reads.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(waitingReads);
    await client.stopBuildJob({ params: { job_id: blocker, build_no: 1 } });

    await page.locator('h1 [data-status="running"]').waitFor({ timeout: 30_000 });
    await page.locator('.stages [data-stage="stage1"]').waitFor();
    // The build.yml was read (its step is a stage) and the build ended.
    await page.locator('h1 [data-status="success"]').waitFor({ timeout: 60_000 });

    expect(asked).toEqual([]);
    expect(notFound).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.getByRole('heading', { name: 'Flow' }).count()).toBe(0);
  });
});
