import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * What a dashboard walkthrough found out of line (Chromium against a real `kiln serve`, at a
 * desktop's 1280 px and a phone's 390 px): on the job form, a schedule's Remove button sat lower
 * than its input; on the projects page, "Favourites only" sat higher than the search field beside
 * it; on the job page, the Insights summary touched the chart boxes above it. Checked with the
 * elements' boxes; screenshots go to test-results/ to look at.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const WIDTHS = [1280, 390] as const;

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let project = '';
let job = '';

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
  project = await projectId(client);
  job = await createShellJob(client, project, 'charted', ['echo charted']);
  expect(await runToEnd(client, job)).toBe('SUCCESS');
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function box(locator: Locator) {
  const b = await locator.boundingBox();
  if (!b) throw new Error(`${locator.toString()} is not shown`);
  return b;
}

const middle = (b: { y: number; height: number }) => b.y + b.height / 2;

describe.each(WIDTHS)('at %i px wide', (width) => {
  beforeAll(async () => {
    await page.setViewportSize({ width, height: 900 });
  });

  it("lines up a schedule's Remove button with its input", async () => {
    await page.goto(`${server.url}/projects/${project}/jobs/new`);
    await page.getByRole('button', { name: 'Add schedule' }).click();
    const input = await box(page.getByLabel('Schedule 1', { exact: true }));
    const remove = await box(page.getByRole('button', { name: 'Remove schedule 1' }));
    await page
      .locator('fieldset.triggers-editor')
      .screenshot({ path: `${SHOTS}walkthrough-schedule-${width}.png` });
    // Side by side (at both widths, the button fits): the same top and bottom.
    expect(remove.x).toBeGreaterThanOrEqual(input.x + input.width);
    expect(Math.abs(input.y - remove.y)).toBeLessThanOrEqual(1);
    expect(Math.abs(input.y + input.height - (remove.y + remove.height))).toBeLessThanOrEqual(1);
  });

  it('lines up "Favourites only" with the search field beside it', async () => {
    await page.goto(`${server.url}/`);
    const search = await box(page.getByRole('searchbox', { name: 'Find jobs by name' }));
    const favourites = page.getByRole('checkbox', { name: 'Favourites only' });
    await favourites.waitFor();
    const label = await box(page.locator('label', { has: favourites }));
    const check = await box(favourites);
    await page.locator('.page-header').screenshot({ path: `${SHOTS}walkthrough-projects-${width}.png` });
    // The checkbox is centred on its label, and the label on the search field when beside it.
    expect(Math.abs(middle(check) - middle(label))).toBeLessThanOrEqual(1);
    if (label.y < search.y + search.height)
      expect(Math.abs(middle(label) - middle(search))).toBeLessThanOrEqual(1);
  });

  it('leaves room between the chart boxes and the Insights summary', async () => {
    await page.goto(`${server.url}/jobs/${job}`);
    await page.getByTestId('daily-chart').waitFor();
    const insights = page.locator('.job-insights > summary');
    await insights.scrollIntoViewIfNeeded();
    // Both edges read at once, after the charts have taken their size.
    const edges = () =>
      insights.evaluate((summary) => {
        const boxes = [...summary.ownerDocument.querySelectorAll('.chart-grid')];
        const last = boxes[boxes.length - 1];
        return {
          charts: last ? last.getBoundingClientRect().bottom : Number.NaN,
          summary: summary.getBoundingClientRect().top,
        };
      });
    await expect.poll(async () => (await edges()).summary - (await edges()).charts).toBeGreaterThanOrEqual(8);
    const { charts } = await edges();
    await page.screenshot({
      path: `${SHOTS}walkthrough-insights-${width}.png`,
      clip: { x: 0, y: charts - 120, width, height: 200 },
    });
  });
});
