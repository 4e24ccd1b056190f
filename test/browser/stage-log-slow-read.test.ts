import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * A running stage's log whose read takes longer than the build page's 2 s between reads of the
 * stages (Chromium against a real `kiln serve`, its network slowed as a remote reader's is): the
 * page aborted each read of the stage's log when the stages were read again and started another,
 * so a stage with a few MB of log never showed while it ran ("Loading…" until it ended). A read
 * under way is finished and the next one follows it.
 */

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;
let jobId = '';
let buildNo = 0;

beforeAll(async () => {
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  // About 3 MB of log at once, then the step goes on (its log may still grow) for a minute.
  jobId = await createShellJob(client, await projectId(client), 'slow-to-read-stage', [
    "seq 1 60000 | sed 's/^/a line of the stage that takes a while to read, number /'; echo all-written; sleep 60",
  ]);
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  if (buildNo)
    await client.stopBuildJob({ params: { job_id: jobId, build_no: buildNo } }).catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

describe("a running stage's log that takes longer to read than the stages", () => {
  it('shows the stage log while the stage runs', async () => {
    buildNo = Number((await client.runJob({ body: { job_id: jobId } })).actual_build_number);
    await page.goto(`${server.url}/jobs/${jobId}/builds/${buildNo}`);
    await page.getByTestId('log').getByText('all-written').waitFor({ timeout: 30_000 });
    // The stage's end (its last 1 MiB) at 400 kB/s: its first read takes about 2.6 s, the stages
    // are read every 2 s.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: 400_000,
      uploadThroughput: 400_000,
    });
    await page.getByRole('button', { name: /^step 1/ }).click();
    const stage = page.getByTestId('stage-log');
    await stage.getByText('all-written').waitFor({ timeout: 40_000 });
    expect(await page.getByRole('button', { name: /^step 1/ }).textContent()).toMatch(/Running/);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
  });
});
