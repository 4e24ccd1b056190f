import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { signedInClient } from './helpers/kiln-api.ts';

/**
 * The file manager with more files than a page (Chromium against a real `kiln serve`): the page
 * read the first 100 (`page_size: 100`) and had no way to the others. It shows 20 a page with a
 * pager, and deleting the only file of the last page shows the files still there. An upload says
 * which file went up and empties its form.
 */

const FILES = 21;

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let client: Kiln;

beforeAll(async () => {
  server = await startServerProcess();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  for (let i = 1; i <= FILES; i++)
    await client.uploadKeystoreFile(
      { name: `file-${String(i).padStart(2, '0')}.txt`, data: new TextEncoder().encode(`file ${i}`) },
      { privacy: 'private', description: '' },
    );
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const rows = () => page.locator('table[data-testid="files"] tbody tr[data-name]');
const pager = () => page.getByRole('navigation', { name: 'Pages of the files' });

describe('the files page', () => {
  it('shows the files a page at a time, with a way to the others', async () => {
    await page.goto(`${server.url}/files`);
    await expect.poll(() => rows().count()).toBe(20);
    const first = await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-name')));
    await pager().getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows().count()).toBe(1);
    const last = await rows().getAttribute('data-name');
    // Together the two pages hold every file, once.
    expect(new Set([...first, last]).size).toBe(FILES);
  });

  it('goes back to the first page on a search', async () => {
    await page.getByLabel('Search').fill('file-0');
    await expect.poll(() => rows().count()).toBe(9);
    expect(await pager().count()).toBe(0);
    await page.getByLabel('Search').fill('');
    await expect.poll(() => rows().count()).toBe(20);
  });

  it('still lists the files left after the last page is emptied', async () => {
    await pager().getByRole('button', { name: 'Last page' }).click();
    await expect.poll(() => rows().count()).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await rows().getByRole('button', { name: 'Delete' }).click();
    await expect.poll(async () => (await client.listKeystore({})).result.length).toBe(FILES - 1);
    await expect.poll(() => rows().count()).toBe(20);
    expect(await page.getByText('No file yet.').count()).toBe(0);
  });
});

describe('uploading a file', () => {
  it('says which file went up and empties the form', async () => {
    await page.goto(`${server.url}/files`);
    const file = page.getByLabel('File', { exact: true });
    await file.setInputFiles({
      name: 'settings.xml',
      mimeType: 'text/xml',
      buffer: Buffer.from('<settings/>'),
    });
    await page.getByLabel('Description').fill('maven settings');
    await page.getByLabel('Who may use it').selectOption('public');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('status').getByText('Uploaded settings.xml.').waitFor();
    expect(await file.inputValue()).toBe('');
    expect(await page.getByLabel('Description').inputValue()).toBe('');
    expect(await page.getByLabel('Who may use it').inputValue()).toBe('private');
    expect(await page.getByRole('button', { name: 'Upload' }).isDisabled()).toBe(true);
    // Choosing the next file takes the old message away.
    await file.setInputFiles({ name: 'other.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
    await expect.poll(() => page.getByRole('status').getByText('Uploaded settings.xml.').count()).toBe(0);
  });
});
