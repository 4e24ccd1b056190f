import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { signedInClient } from './helpers/kiln-api.ts';

/**
 * The Account page says where the person's notification mail goes and links to the Inbox page,
 * where it is set ("Where my notification mail goes"), in Chromium against a real `kiln serve`.
 */

let server: ServerProcess;
let browser: Chromium;
let client: Kiln;
let page: Page;

beforeAll(async () => {
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('notification mail on the Account page', () => {
  it('says it goes nowhere when no address is set, and links to the Inbox', async () => {
    await page.goto(`${server.url}/account`);
    const line = page.getByTestId('account-mail');
    await expect
      .poll(() => line.textContent())
      .toBe('Your notification mail goes nowhere. Where it goes is set on your Inbox page.');
  });

  it('names the address set, and its link opens the Inbox with the field that sets it', async () => {
    await client.updateMyNotifications({ body: { email: 'admin@example.com' } });
    await page.goto(`${server.url}/account`);
    const line = page.getByTestId('account-mail');
    await expect
      .poll(() => line.textContent())
      .toMatch(/^Your notification mail goes to admin@example\.com\. /);
    await line.getByRole('link', { name: 'Inbox' }).click();
    await page.waitForURL(`${server.url}/inbox`);
    const field = page.getByLabel('Where my notification mail goes (empty: nowhere)');
    await expect.poll(() => field.inputValue()).toBe('admin@example.com');
  });
});
