import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * New project on the projects page (CreateProject, as `kiln projects create`), in Chromium against
 * a real `kiln serve`: a domain administrator opens the form, the server's refusals (a name the
 * domain has, a blank one) show under the name, and the project made appears in the list, its
 * creator its owner. Someone who is no domain administrator (the server refuses them) gets no button.
 */

const USER = 'plain-developer';
const PASSWORD = 'plain-developer-pass-1';

let server: ServerProcess;
let browser: Chromium;
let admin: Kiln;
let page: Page;

beforeAll(async () => {
  server = await startServerProcess();
  ({ client: admin } = await signedInClient(server.url, 'admin', server.adminPassword));
  await admin.createUser({ body: { name: USER, password: PASSWORD } });
  await admin.setMember({
    params: { project_id: await projectId(admin), user: USER },
    body: { role: 'developer' },
  });
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const projectHeading = (p: Page, name: string) => p.getByRole('heading', { level: 2, name, exact: true });

describe('creating a project on the projects page', () => {
  it("shows the server's refusals under the name, then lists the new project", async () => {
    await projectHeading(page, 'default').waitFor();
    await page.getByRole('button', { name: 'New project' }).click();
    const name = page.getByLabel('Project name');
    expect(await name.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);

    // A name the domain has: the server's 409, under the name, which takes the focus.
    await name.fill('default');
    await page.getByRole('button', { name: 'Create project' }).click();
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    const error = page.locator('.field.has-error .field-error');
    expect(await error.textContent()).toBe('a project named default already exists');
    expect(await name.getAttribute('aria-describedby')).toBe(await error.getAttribute('id'));
    expect(await name.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);

    // Blank: the server's own words, under the name.
    await name.fill('   ');
    await page.getByRole('button', { name: 'Create project' }).click();
    await expect.poll(() => error.textContent()).toBe('name must be non-empty printable text');

    await name.fill('payments');
    await page.getByLabel('Description').fill('The payment services');
    await page.getByRole('button', { name: 'Create project' }).click();
    await projectHeading(page, 'payments').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Created project payments.' }).count()).toBe(1);
    expect(await page.getByLabel('Project name').count()).toBe(0);

    // Made by the server, its creator its owner.
    const made = (await admin.showRelatedProject()).result.project_info_list.find(
      (p) => p.name === 'payments',
    );
    expect(made?.is_creator).toBe(true);
    const members = (await admin.listMembers({ params: { project_id: made?.identifier ?? '' } })).result
      .members;
    expect(members.map((m) => [m.user_name, m.role])).toEqual([['admin', 'owner']]);
  });

  it('is not offered to someone who is no domain administrator', async () => {
    const other = await browser.context.newPage();
    // The same context shares sessionStorage per tab only: this tab signs in on its own.
    await other.goto(`${server.url}/`);
    await other.getByLabel('User name').fill(USER);
    await other.getByLabel('Password').fill(PASSWORD);
    // What the page decides by: the person's account (ShowCurrentUser), which says no admin.
    const me = other.waitForResponse((r) => new URL(r.url()).pathname === '/v1/kiln/users/me');
    await other.getByRole('button', { name: 'Sign in' }).click();
    expect(((await (await me).json()) as { result: { is_admin: boolean } }).result.is_admin).toBe(false);
    await projectHeading(other, 'default').waitFor();
    expect(await other.getByRole('button', { name: 'New project' }).count()).toBe(0);
    await other.close();
  });
});
