import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * A long stage's log followed while it runs (Chromium against a real `kiln serve`): the page read
 * the stage's whole log (DownloadTaskLog) again on each read of the stages, every ~2 s, so a stage
 * of a few MB cost a few MB a poll. It reads the stage's end first (ShowActionIInfo by stage, DESC)
 * and then only the bytes written since (ASC from the end it has), as the whole log is followed.
 */

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;
let jobId = '';
let buildNo = 0;

/** A read of the stage's log by the page: what it asked and what it got. */
interface StageRead {
  path: string;
  query: URLSearchParams;
  start?: number;
  end?: number;
  bytes?: number;
}

beforeAll(async () => {
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  // About 4 MB at once, then a line every 0.3 s for a while (the stage is read again meanwhile).
  jobId = await createShellJob(client, await projectId(client), 'long-stage', [
    'seq 1 100000 | sed \'s/^/a long line of a long stage, number /\'; for i in $(seq 1 25); do echo "tick $i"; sleep 0.3; done; echo all-ticked; sleep 60',
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

describe("a long running stage's log", () => {
  it('is read from its end, then only for the bytes written since', async () => {
    const reads: StageRead[] = [];
    const done: Promise<void>[] = [];
    page.on('response', (response: Response) => {
      const url = new URL(response.url());
      const stageRead = url.pathname === '/v1/log/stage/page' && url.searchParams.get('stage') === 'stage1';
      if (!stageRead && !url.pathname.endsWith('/task-log')) return;
      const read: StageRead = { path: url.pathname, query: url.searchParams };
      reads.push(read);
      if (stageRead)
        done.push(
          response
            .json()
            .then((body: { result: { start_offset: string; end_offset: string; log: string } }) => {
              read.start = Number(body.result.start_offset);
              read.end = Number(body.result.end_offset);
              read.bytes = new TextEncoder().encode(body.result.log).length;
            })
            .catch(() => undefined),
        );
    });
    buildNo = Number((await client.runJob({ body: { job_id: jobId } })).actual_build_number);
    await page.goto(`${server.url}/jobs/${jobId}/builds/${buildNo}`);
    await page.getByTestId('log').getByText('tick 1', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /^step 1/ }).click();
    const stage = page.getByTestId('stage-log');
    await stage.getByText('all-ticked').waitFor({ timeout: 40_000 });
    expect(await page.getByRole('button', { name: /^step 1/ }).textContent()).toMatch(/Running/);
    await Promise.all(done);

    // Never the whole stage (DownloadTaskLog), and read again several times while it ran.
    expect(reads.filter((r) => r.path.endsWith('/task-log'))).toEqual([]);
    expect(reads.length).toBeGreaterThan(3);
    // The first read is the stage's end (its last page), and the log is long: the note says so.
    expect(reads[0]!.query.get('sort')).toBe('DESC');
    expect(reads[0]!.query.get('end_offset')).toBe('0');
    expect(reads[0]!.start).toBeGreaterThan(0);
    expect(await page.getByTestId('log-skipped').textContent()).toMatch(/only the last [\d,]+ lines/);
    // Each later one asks from where the last one ended: only the bytes written since.
    let at = reads[0]!.end!;
    for (const r of reads.slice(1)) {
      expect(r.query.get('sort')).toBeNull();
      expect(Number(r.query.get('start_offset'))).toBe(at);
      expect(r.start).toBe(at);
      at = r.end!;
    }
    // What came over the network is the stage's end, not the stage again and again.
    const received = reads.reduce((sum, r) => sum + (r.bytes ?? 0), 0);
    expect(received).toBe(at - reads[0]!.start!);
  });
});
