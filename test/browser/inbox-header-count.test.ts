import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

/**
 * The header's "Inbox (N)" agrees with the inbox page after the person marks notifications read
 * there (Chromium against a real `kiln serve`). The header read its count only on a change of page
 * and every 30 s, so after "Mark read" or "Mark all read" the page said "(0 unread)" while the
 * header beside it still said "Inbox (2)".
 */

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;

beforeAll(async () => {
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  const job = await createShellJob(client, await projectId(client), 'inboxed', ['echo done']);
  await client.updateNotice({
    params: { job_id: job },
    body: { notice_type: 'MESSAGE', enabled_event_type_names: ['buildJobSuccess'] },
  });
  for (let i = 0; i < 2; i++) expect(await runToEnd(client, job)).toBe('SUCCESS');
  // Inbox messages are written as the builds end; wait until both are there.
  for (let tries = 0; (await client.listInbox({ query: {} })).result.unread < 2; tries++) {
    if (tries > 300) throw new Error('the two inbox messages never came');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

// Read without waiting: textContent() after count() waits up to 30 s when the count goes away between them.
const headerCount = async () => (await page.getByTestId('header-unread').allTextContents()).join('').trim();

describe("the header's unread count", () => {
  it('follows "Mark read" on the inbox page', async () => {
    await page.goto(`${server.url}/inbox`);
    await page.getByTestId('inbox').waitFor();
    await expect.poll(headerCount).toBe('(2)');
    await page.getByTestId('inbox').getByRole('button', { name: 'Mark read' }).first().click();
    await expect.poll(() => page.getByTestId('inbox-unread').textContent()).toBe('(1 unread)');
    await expect.poll(headerCount).toBe('(1)');
  });

  it('goes away with "Mark all read"', async () => {
    await page.goto(`${server.url}/inbox`);
    await expect.poll(headerCount).toBe('(1)');
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => page.getByTestId('inbox-unread').textContent()).toBe('(0 unread)');
    await expect.poll(headerCount).toBe('');
  });
});
