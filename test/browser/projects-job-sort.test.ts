import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { historyRecord, importHistory } from './helpers/history.ts';
import { createShellJob, projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * The projects page sorts a project's jobs by name or by last build when their column header is
 * pressed (ListProjectJobs' sort_field and sort_order, so across pages, not the page shown), keeps
 * the order in its URL (`?sort=…&order=…`) through reload, back and a search, starts again at
 * page 1 when the order changes, and says the order with `aria-sort` on the sorted header.
 */

let server: ServerProcess;
let browser: Chromium;
let page: Page;

const MINUTE = 60_000;
/** 30 jobs: two pages of 25. */
const NAMES = Array.from({ length: 30 }, (_, i) => `job-${String(i + 1).padStart(2, '0')}`);
/** Never built: where they go is part of the order (the oldest: first ascending, last descending). */
const NEVER_BUILT = new Set(['job-03', 'job-10', 'job-27']);
/** Last built at the same moment: the name decides between them. */
const TIED = new Set(['job-05', 'job-20', 'job-28']);
const base = Date.now() - 40 * 24 * 60 * MINUTE;
/** Each job's last build time: a shuffle of the names' order (7 is invertible mod 31), 0 for none. */
const lastBuild = new Map(
  NAMES.map((name, i) => [
    name,
    NEVER_BUILT.has(name) ? 0 : TIED.has(name) ? base + 15 * MINUTE : base + (((i + 1) * 7) % 31) * MINUTE,
  ]),
);
const byName = [...NAMES].sort();
/** Oldest first, never built before any, a tie by name: ListProjectJobs' order (docs/api-compat.md). */
const byLastBuild = [...NAMES].sort(
  (a, b) => (lastBuild.get(a) ?? 0) - (lastBuild.get(b) ?? 0) || (a < b ? -1 : 1),
);

beforeAll(async () => {
  server = await startServerProcess();
  const { client, token } = await signedInClient(server.url, 'admin', server.adminPassword);
  const project = await projectId(client);
  for (const name of NAMES) {
    const id = await createShellJob(client, project, name, ['true']);
    const at = lastBuild.get(name) ?? 0;
    // An older first build too, so the list must take the last one, not any.
    if (at > 0)
      await importHistory(server.url, token, id, [
        JSON.stringify(historyRecord(1, base - 60 * MINUTE, 1)),
        JSON.stringify(historyRecord(2, at, 2)),
      ]);
  }
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const shown = () => page.locator('table.jobs-table tbody tr th a').allInnerTexts();
const header = (name: string) => page.getByRole('columnheader', { name });
const sortedAs = (name: string) => header(name).getAttribute('aria-sort');
const query = () => new URL(page.url()).searchParams;

/** Both pages of the list, as the pager shows them, starting from page 1. */
async function bothPages(expected: string[]): Promise<void> {
  await expect.poll(shown).toEqual(expected.slice(0, 25));
  await page.getByRole('button', { name: 'Next page' }).click();
  await expect.poll(shown).toEqual(expected.slice(25));
}

describe('sorting the projects page job list', () => {
  it('sorts by name and by last build across pages, with aria-sort, kept in the URL', async () => {
    await page.goto(`${server.url}/`);
    // The server's default order: name ascending, and the header says so.
    await bothPages(byName);
    expect(await sortedAs('Job')).toBe('ascending');
    expect(await sortedAs('Last build')).toBeNull();

    // Pressed on page 2: reversed, back on page 1.
    await header('Job').getByRole('button').click();
    await expect.poll(() => query().get('order')).toBe('desc');
    expect(query().get('sort')).toBe('job_name');
    await expect.poll(() => sortedAs('Job')).toBe('descending');
    await bothPages([...byName].reverse());

    // Last build: newest first at the first press, the never-built ones last.
    await header('Last build').getByRole('button').click();
    await expect.poll(() => query().get('sort')).toBe('last_build_time');
    expect(query().get('order')).toBe('desc');
    await expect.poll(() => sortedAs('Last build')).toBe('descending');
    expect(await sortedAs('Job')).toBeNull();
    await bothPages([...byLastBuild].reverse());

    // Pressed again: oldest first, the never-built ones first.
    await header('Last build').getByRole('button').click();
    await expect.poll(() => query().get('order')).toBe('asc');
    await expect.poll(() => sortedAs('Last build')).toBe('ascending');
    await bothPages(byLastBuild);
    expect(byLastBuild.slice(0, 3)).toEqual(['job-03', 'job-10', 'job-27']);

    // A reload keeps the order (page 1 again).
    await page.reload();
    await expect.poll(shown).toEqual(byLastBuild.slice(0, 25));
    expect(await sortedAs('Last build')).toBe('ascending');
  });

  it('keeps the order with a search, and through a job page and back', async () => {
    await page.goto(`${server.url}/?sort=last_build_time&order=asc`);
    await page.getByLabel('Find jobs by name').fill('job-1');
    await page.waitForURL(/[?&]q=job-1/);
    const matching = byLastBuild.filter((n) => n.includes('job-1'));
    await expect.poll(shown).toEqual(matching);
    expect(query().get('sort')).toBe('last_build_time');
    expect(query().get('order')).toBe('asc');

    await page.getByRole('link', { name: matching[0], exact: true }).click();
    await page.waitForURL(/\/jobs\//);
    await page.goBack();
    await expect.poll(shown).toEqual(matching);
    expect(await sortedAs('Last build')).toBe('ascending');

    // Back to the default order: name A to Z leaves the URL without a sort.
    await header('Job').getByRole('button').click();
    await expect.poll(shown).toEqual(byName.filter((n) => n.includes('job-1')));
    expect(query().has('sort')).toBe(false);
    expect(await sortedAs('Job')).toBe('ascending');
  });
});
