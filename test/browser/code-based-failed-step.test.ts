import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * A code-based build whose one step fails, on its build page in Chromium against a real
 * `kiln serve`: the failed step shows Failed, the step after it Skipped, and Finalize (the
 * lines after the steps, which ran as they always do) Success, as the server's full stages say.
 * Finalize showed Failed: it repeated the build's outcome, which the step already shows.
 */

const BUILD_YML = `version: 2.0
steps:
  BUILD:
    - sh:
        name: compile
        inputs:
          command: echo compiled
    - sh:
        name: test
        inputs:
          command: echo one test fails; exit 3
    - sh:
        name: package
        inputs:
          command: echo never
`;

let server: ServerProcess;
let browser: Chromium;
let client: Kiln;
let page: Page;
let job = '';

beforeAll(async () => {
  const repo = new TestRepo();
  repo.commit('a build.yml with a failing step', { '.cloudbuild/build.yml': BUILD_YML });
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  job = (
    await client.createBuildJob({
      body: {
        arch: 'x86-64',
        project_id: await projectId(client),
        job_name: 'one-step-fails',
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
  await browser?.close();
  await server?.stop();
});

describe('a code-based build with a failing step', () => {
  it('shows the failure on the step; Finalize, whose own work went well, is Success', async () => {
    expect(await runToEnd(client, job)).toBe('FAILURE');
    await page.goto(`${server.url}/jobs/${job}/builds/1`);
    await page.locator('h1 [data-status="failure"]').waitFor();
    await page.locator('.stages [data-stage="final"]').waitFor();

    const stages = page.locator('.stages [data-stage]');
    const shown = await stages.evaluateAll((items) =>
      items.map((li) => [
        li.querySelector('.stage-name')?.textContent ?? '',
        li.getAttribute('data-stage-status') ?? '',
        li.querySelector('.badge')?.textContent ?? '',
      ]),
    );
    expect(shown).toEqual([
      ['Initialize', 'SUCCESS', 'Success'],
      ['compile', 'SUCCESS', 'Success'],
      ['test', 'FAILURE', 'Failed'],
      ['package', 'SKIPPED', 'Skipped'],
      ['Finalize', 'SUCCESS', 'Success'],
    ]);

    // Finalize's log holds the lines after the steps: the build's end, with its outcome.
    await page.locator('[data-stage="final"]').getByRole('button').click();
    await page
      .getByTestId('stage-log')
      .getByText(/build finished: FAILURE/)
      .waitFor();
  });
});
