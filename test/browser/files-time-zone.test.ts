import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { signedInClient } from './helpers/kiln-api.ts';

/**
 * When a file of the file manager last changed, in the viewer's zone like every other time of the
 * dashboard (Chromium in Los Angeles against a real `kiln serve` whose KILN_TIMEZONE is
 * Asia/Kolkata): the page showed the API's `update_time`, a wall clock of the server's zone
 * (`2026-12-7 09:40`), half a day and a date away from the same instant on a build's page.
 */

const VIEWER_ZONE = 'America/Los_Angeles';

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_TIMEZONE: 'Asia/Kolkata' } });
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  await client.uploadKeystoreFile(
    { name: 'settings.xml', data: new TextEncoder().encode('<settings/>') },
    { privacy: 'private', description: '' },
  );
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Emulation.setTimezoneOverride', { timezoneId: VIEWER_ZONE });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the files page and time zones', () => {
  it("shows when a file changed in the viewer's zone", async () => {
    const listed = await client.listKeystoreSearch({ query: { page: 1, page_size: 20 } });
    const stamp = listed.result.keystore_list[0]?.update_time_stamp;
    expect(stamp).toBeDefined();
    const changed = new Date(Number(stamp) * 1000);
    // As the dashboard writes every instant (web/src/lib/format.ts), in the viewer's zone.
    const local = new Intl.DateTimeFormat('en-US', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZone: VIEWER_ZONE,
    }).format(changed);
    await page.goto(`${server.url}/files`);
    const cell = page.locator('tr[data-name="settings.xml"] td[data-label="Changed"]');
    await cell.waitFor();
    expect(await cell.textContent()).toBe(`${local} by admin`);
  });
});
