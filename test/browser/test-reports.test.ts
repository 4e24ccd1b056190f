import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, watchCsp, type Chromium } from './helpers/chromium.ts';
import { projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * A build's tests on its page and a job's test trend, in Chromium against a real `kiln serve`: a
 * shell step writes a JUnit report and a Cobertura coverage report (its `report_path` and
 * `coverage_report_path`), the build page shows the counts, the coverage and the failure with its
 * message and stack trace, the cases filter by status, and the job page charts the builds.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

const JUNIT = `<testsuite name="calc"><testcase classname="calc" name="adds" time="0.01"/>
<testcase classname="calc" name="divides"><failure message="expected 2, got 3">Traceback: calc.py line 7</failure></testcase>
<testcase classname="calc" name="later"><skipped/></testcase></testsuite>`;
const COBERTURA = '<coverage lines-covered="30" lines-valid="40" branches-covered="0" branches-valid="0"/>';

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;
let jobId = '';
const cspViolations: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  client = (await signedInClient(server.url, 'admin', server.adminPassword)).client;
  const made = await client.createBuildJob({
    body: {
      arch: 'x86-64',
      project_id: await projectId(client),
      job_name: 'has-tests',
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'test',
          properties: {
            command: `cat > junit.xml <<'EOF'\n${JUNIT}\nEOF\necho '${COBERTURA}' > coverage.xml`,
            report_path: 'junit.xml',
            coverage: 'true',
            coverage_report_path: 'coverage.xml',
          },
        },
      ],
    },
  });
  jobId = made.result.job_id;
  expect(await runToEnd(client, jobId)).toBe('SUCCESS');
  expect(await runToEnd(client, jobId)).toBe('SUCCESS');
  browser = await launchChromium();
  await watchCsp(browser.context, cspViolations);
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  if (process.env.KILN_TEST_VERBOSE) console.log(server?.output());
  await browser?.close();
  await server?.stop();
});

describe('test reports in the dashboard', () => {
  it("shows a build's counts, coverage and failures first, with the trace when opened", async () => {
    await page.goto(`${server.url}/jobs/${jobId}/builds/2`);
    const section = page.getByRole('region', { name: 'Tests' });
    await section.getByTestId('tests-summary').waitFor();
    expect(await section.getByTestId('tests-summary').textContent()).toBe(
      '3 tests: 1 passed, 1 failed, 0 errors, 1 skipped',
    );
    expect(await section.getByTestId('coverage').textContent()).toContain('lines 75.0% (30/40)');
    const items = section.locator('ol.test-cases > li');
    expect(await items.count()).toBe(3);
    const first = items.first();
    expect(await first.getAttribute('data-status')).toBe('failed');
    expect(await first.textContent()).toContain('calc.divides');
    expect(await first.textContent()).toContain('expected 2, got 3');
    await first.locator('summary').click();
    await first.locator('pre.test-detail').waitFor();
    expect(await first.locator('pre.test-detail').textContent()).toBe('Traceback: calc.py line 7');
    await page.screenshot({ path: `${SHOTS}test-reports-build.png`, fullPage: true });

    await section.getByLabel('Show').selectOption('passed');
    // The whole list already had a passed case: wait for the filtered page, not for that one.
    await expect.poll(() => section.locator('ol.test-cases > li').count()).toBe(1);
    expect(await section.locator('ol.test-cases > li').textContent()).toContain('calc.adds');
  });

  it("charts the job's builds with test reports", async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    const chart = page.getByTestId('test-trend-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('data-points')).toBe('2');
    expect(await chart.locator('[role="img"]').getAttribute('aria-label')).toBe(
      '2 builds with test reports among the latest 100, 2 with failing tests',
    );
  });

  it("lists the job's slowest stages in its insights", async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByText('Insights', { exact: true }).click();
    const stages = page.getByRole('table', { name: 'Slowest stages of the latest builds' });
    await stages.waitFor();
    const row = stages.locator('tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.locator('th').textContent()).toBe('test');
    expect(await row.locator('td').first().textContent()).toBe('2');
  });

  it('breaks no Content-Security-Policy rule', () => {
    expect(cspViolations).toEqual([]);
  });
});
