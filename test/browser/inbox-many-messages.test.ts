import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { fillInbox, signedInClient } from './helpers/kiln-api.ts';

/**
 * An inbox of more than 100 notifications on the inbox page (Chromium against a real `kiln serve`):
 * the page read the newest 100 (`limit: 100`) and had no way to the others, while its heading
 * counted them all unread; the older ones could not be seen or marked read one by one. The page
 * shows them all or offers a way to the older ones.
 */

const CHANGES = 105;

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;

beforeAll(async () => {
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  await fillInbox(client, CHANGES);
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('an inbox of more than 100 notifications', () => {
  it('shows them all, or a way to the older ones', async () => {
    await page.goto(`${server.url}/inbox`);
    const list = page.getByTestId('inbox');
    await list.waitFor();
    await expect.poll(() => page.getByTestId('inbox-unread').textContent()).toBe(`(${CHANGES} unread)`);
    const listed = await list.locator('li').count();
    const more = await page
      .getByRole('button', { name: /older|more|next/i })
      .or(page.getByRole('link', { name: /older|more|next/i }))
      .count();
    expect({ listed, wayToOlder: more > 0 }).toSatisfy(
      (s: { listed: number; wayToOlder: boolean }) => s.listed === CHANGES || s.wayToOlder,
    );
  });
});
