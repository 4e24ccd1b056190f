import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, watchCsp, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * A build's artifacts on its page, in Chromium against a real `kiln serve`: a build that keeps two
 * files (upload_artifact, CodeArts module 20018) lists them with sizes, versions and short digests,
 * and each name downloads its bytes (fetched with the token, saved from a blob); a build that kept
 * nothing shows no artifacts section. Screenshots go to test-results/.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const UPLOAD = 'devcloud2018.codeci_action_20018.action';
const BIG = 300_000;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;
let keeper = '';
let bare = '';
const cspViolations: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  client = (await signedInClient(server.url, 'admin', server.adminPassword)).client;
  const project = await projectId(client);
  const made = await client.createBuildJob({
    body: {
      arch: 'x86-64',
      project_id: project,
      job_name: 'keeps-artifacts',
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'make',
          properties: {
            command: `mkdir -p out && head -c ${BIG} /dev/urandom > out/app.bin && echo notes > out/notes.txt`,
          },
        },
        { module_id: UPLOAD, name: 'keep', properties: { file: 'out/*' } },
      ],
    },
  });
  keeper = made.result.job_id;
  bare = await createShellJob(client, project, 'keeps-nothing', ['echo nothing to keep']);
  expect(await runToEnd(client, keeper)).toBe('SUCCESS');
  expect(await runToEnd(client, bare)).toBe('SUCCESS');
  browser = await launchChromium();
  // The blob download must get by the Content-Security-Policy like every other page of the dashboard.
  await watchCsp(browser.context, cspViolations);
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  if (process.env.KILN_TEST_VERBOSE) console.log(server?.output());
  await browser?.close();
  await server?.stop();
});

describe("the build page's artifacts", () => {
  it('lists what the build kept with size, version and short sha256', async () => {
    await page.goto(`${server.url}/jobs/${keeper}/builds/1`);
    const table = page.getByRole('table', { name: 'Artifacts' });
    await table.waitFor();
    const listed = (await client.listBuildArtifacts({ params: { job_id: keeper, build_no: 1 } })).result
      .artifacts;
    const rows: string[][] = [];
    for (const tr of await table.locator('tbody tr').all())
      rows.push((await tr.locator('th, td').allTextContents()).map((t) => t.trim()));
    expect(rows).toEqual([
      ['app.bin', '1', '293.0 KiB', listed[0]!.sha256.slice(0, 12)],
      ['notes.txt', '1', '6 B', listed[1]!.sha256.slice(0, 12)],
    ]);
    expect(await table.locator('code').first().getAttribute('title')).toBe(listed[0]!.sha256);
    await page.getByRole('button', { name: 'Download app.bin' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}artifacts-build.png`, fullPage: true });
  });

  it('downloads an artifact with the token: the saved file is its bytes, under its name', async () => {
    // A plain link could not download it: the operation needs the X-Auth-Token header.
    const anonymous = await fetch(`${server.url}/v1/kiln/jobs/${keeper}/1/artifacts/app.bin`);
    expect(anonymous.status).toBe(401);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download app.bin' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('app.bin');
    const saved = readFileSync(await download.path());
    expect(saved.length).toBe(BIG);
    const listed = (await client.listBuildArtifacts({ params: { job_id: keeper, build_no: 1 } })).result
      .artifacts;
    expect(sha256(saved)).toBe(listed[0]!.sha256);
    // The button is ready for the next one once the download has been handed over.
    expect(await page.getByRole('button', { name: 'Download notes.txt' }).isEnabled()).toBe(true);
  });

  it('shows no artifacts section for a build that kept none', async () => {
    await page.goto(`${server.url}/jobs/${bare}/builds/1`);
    await page.locator('h1 [data-status="success"]').waitFor();
    // The list is read with the build: once the build shows, give the list a moment to answer.
    await page.waitForTimeout(1000);
    expect(await page.getByRole('heading', { name: 'Artifacts' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Parameters' }).count()).toBe(1);
  });

  it('broke no Content-Security-Policy rule on the way', () => {
    expect(cspViolations).toEqual([]);
  });
});
