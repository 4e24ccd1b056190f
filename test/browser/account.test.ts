import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { akskCredentials } from '../../src/client/aksk-signer.ts';
import { ApiError } from '../../src/client/api-error.ts';
import { createKilnClient, type Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, watchCsp, type Chromium } from './helpers/chromium.ts';
import { signedInClient } from './helpers/kiln-api.ts';

/**
 * The Account page (Chromium against a real `kiln serve`): opened from the header, it says who is
 * signed in; an access key made there shows its SK once, and that pair really signs requests until
 * the key is disabled or deleted there; the password changes there (the server's refusals shown at
 * their fields), the tab goes on with a new token, and the new password signs in.
 */

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const NEW_PASSWORD = 'a-brand-new-password-42';

let server: ServerProcess;
let browser: Chromium;
let page: Page;
const cspViolations: string[] = [];
/** Everything the page wrote on its console: no secret may be among it. */
const consoleText: string[] = [];
/** The secret key the page showed. */
let shownSk = '';

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  browser = await launchChromium();
  await watchCsp(browser.context, cspViolations);
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  browser.context.on('console', (m) => consoleText.push(m.text()));
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A client that signs each request with the access key (the SDKs' way), as a script would. */
const signedWith = (ak: string, sk: string): Kiln =>
  createKilnClient({ baseUrl: server.url, credentials: akskCredentials(ak, sk), attempts: 1 });

/** The HTTP status a call ends with (200 when it succeeds). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
}

/** What the tab keeps in its storages, as one string. */
const storedText = () =>
  page.evaluate<string>('JSON.stringify([{ ...localStorage }, { ...sessionStorage }])');

describe('the Account page', () => {
  it('opens from the header and says who is signed in', async () => {
    await page.getByRole('navigation', { name: 'Kiln' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account');
    const me = page.getByTestId('whoami');
    await expect.poll(() => me.textContent()).toContain('User name');
    const text = await me.innerText();
    expect(text).toMatch(/User name\s+admin/);
    expect(text).toMatch(/Domain\s+default/);
    expect(text).toMatch(/Domain administrator\s+Yes/);
    await expect.poll(() => page.title()).toBe('Account · Kiln');
  });

  it('creates an access key whose SK is shown once and signs requests', async () => {
    await page.getByLabel('Description (what will use the key)').fill('browser test script');
    await page.getByRole('button', { name: 'Create access key' }).click();
    const box = page.getByTestId('new-access-key');
    await box.waitFor();
    // The box takes the focus, so nobody misses it.
    await expect.poll(() => page.locator(':focus').getAttribute('id')).toBe('new-key-title');
    const ak = await box.getByLabel('Access key ID (AK)').inputValue();
    const sk = await box.getByLabel('Secret access key (SK)').inputValue();
    expect(ak).toMatch(/^[A-Z0-9]{20}$/);
    expect(sk).toMatch(/^[A-Za-z0-9]{40}$/);
    shownSk = sk;
    expect(await box.innerText()).toContain('it is shown only this once');

    await box.getByRole('button', { name: 'Copy SK' }).click();
    await expect.poll(() => box.getByRole('status').allTextContents()).toContain('Copied.');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(sk);

    const row = page.getByTestId('access-keys').locator(`tr[data-ak="${ak}"]`);
    await expect.poll(() => row.innerText()).toMatch(/browser test script[\s\S]*Active[\s\S]*never/);
    await page.screenshot({ path: `${SHOTS}account-new-key.png`, fullPage: true });

    // The pair signs a request to a real endpoint, as the owner.
    const signed = signedWith(ak, sk);
    expect((await signed.showCurrentUser()).result.name).toBe('admin');

    // Once hidden, the SK is nowhere: not on the page, not in the list, not after a reload, not stored.
    await box.getByRole('button', { name: 'I have copied it: hide the secret key' }).click();
    await expect.poll(() => box.count()).toBe(0);
    expect(await page.content()).not.toContain(sk);
    await page.reload();
    await expect.poll(() => row.innerText()).toContain('browser test script');
    expect(await page.content()).not.toContain(sk);
    expect(await storedText()).not.toContain(sk);

    // Disabled: the same signature scheme is refused (401); enabled: accepted again.
    await row.getByRole('button', { name: `Disable ${ak}` }).click();
    await expect.poll(() => row.innerText()).toContain('Disabled');
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContainEqual(expect.stringContaining(`Disabled ${ak}`));
    expect(await statusOf(signed.showCurrentUser())).toBe(401);
    await row.getByRole('button', { name: `Enable ${ak}` }).click();
    await expect.poll(() => row.innerText()).toContain('Active');
    expect(await statusOf(signed.showCurrentUser())).toBe(200);

    // Delete asks once more, its Cancel (the safe answer) focused; Escape keeps the key.
    await row.getByRole('button', { name: `Delete… ${ak}` }).click();
    const question = row.getByRole('group', { name: `Delete access key ${ak}` });
    await expect.poll(() => question.locator(':focus').textContent()).toBe('Cancel');
    await page.keyboard.press('Escape');
    await expect.poll(() => question.count()).toBe(0);
    // ... and the focus goes back to Delete….
    await expect.poll(() => row.locator(':focus').textContent()).toBe(`Delete… ${ak}`);
    expect(await statusOf(signed.showCurrentUser())).toBe(200);
    await row.getByRole('button', { name: `Delete… ${ak}` }).click();
    await question.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => row.count()).toBe(0);
    await expect.poll(() => page.getByText('You have no access keys.').count()).toBe(1);
    expect(await statusOf(signed.showCurrentUser())).toBe(401);
  });

  it('changes the password: the server refusals at their fields, then a new token and password', async () => {
    // Set up out of the page: another session of the person, and a key a script uses.
    const other = (await signedInClient(server.url, 'admin', server.adminPassword)).client;
    const created = (await other.createAccessKey({ body: { description: 'script' } })).result;
    const script = signedWith(created.key.ak, created.sk);

    const form = page.getByTestId('change-password');
    const current = form.getByLabel('Current password');
    const fresh = form.getByLabel('New password', { exact: true });
    const again = form.getByLabel('New password again');
    const submit = form.getByRole('button', { name: 'Change password' });

    await current.fill('not-the-password');
    await fresh.fill(NEW_PASSWORD);
    await again.fill(NEW_PASSWORD);
    await submit.click();
    await expect.poll(() => form.innerText()).toContain('old_password is wrong');
    expect(await current.getAttribute('aria-invalid')).toBe('true');
    // The focus is on the field, whose description is the server's words.
    await expect
      .poll(() => page.locator(':focus').getAttribute('aria-describedby'))
      .toBe(await current.getAttribute('aria-describedby'));

    await current.fill(server.adminPassword);
    await fresh.fill('short');
    await again.fill('short');
    await submit.click();
    await expect.poll(() => form.innerText()).toContain('new_password must be at least 8 characters');
    expect(await fresh.getAttribute('aria-invalid')).toBe('true');
    expect(await form.innerText()).not.toContain('old_password is wrong');

    // Two different new passwords are refused in the page.
    await again.fill('something-else-entirely');
    await submit.click();
    await expect.poll(() => form.innerText()).toContain('This is not the same as the new password.');

    // Refused by the server both times: the old password still signs in.
    expect(await statusOf(other.showCurrentUser())).toBe(200);

    await fresh.fill(NEW_PASSWORD);
    await again.fill(NEW_PASSWORD);
    await submit.click();
    await expect.poll(() => form.getByRole('status').textContent()).toContain('Password changed.');
    await page.screenshot({ path: `${SHOTS}account-password-changed.png`, fullPage: true });
    // Every field is empty again, and the passwords are kept nowhere.
    for (const field of [current, fresh, again]) expect(await field.inputValue()).toBe('');
    expect(await storedText()).not.toContain(NEW_PASSWORD);

    // This tab goes on, with a new token: the page reads the server after a reload too.
    expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toContain('admin');
    // The other session's token died with the old password; the script's key did not.
    expect(await statusOf(other.showCurrentUser())).toBe(401);
    expect((await script.showCurrentUser()).result.name).toBe('admin');
    expect(
      await statusOf(
        createKilnClient({ baseUrl: server.url }).login({ name: 'admin', password: server.adminPassword }),
      ),
    ).toBe(401);

    // Signing out and in with the new password lands back on the page.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toContain('admin');
  });

  it('logged no secret and broke no Content-Security-Policy rule', () => {
    const logged = consoleText.join('\n');
    expect(shownSk).not.toBe('');
    expect(logged).not.toContain(shownSk);
    expect(logged).not.toContain(NEW_PASSWORD);
    expect(logged).not.toContain(server.adminPassword);
    expect(cspViolations).toEqual([]);
  });
});
