import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { launchChromium, signedInPage, type Chromium } from './helpers/chromium.ts';
import { projectId, signedInClient } from './helpers/kiln-api.ts';

/**
 * What a walkthrough of the New job form and the inbox found (Chromium against a real `kiln
 * serve`): every parameter's fields were named just "Name", "Default value", "Description" and
 * "Sensitive", so a screen reader could not tell one parameter's from another's (the steps' are
 * numbered); the Timeout row's "Unit" sat lower than "Stop a build after" (the hint under the
 * left field pushed the row's bottom down); the inbox's "Unread only" checkbox sat above its text (and, centred on it, the two above the button beside them);
 * and "Start from" was wider than every field of the form. Layout is checked with the elements'
 * boxes; screenshots go to test-results/ to look at.
 */

/** What the checks below use of the page's globals (these tests compile without the DOM's types). */
declare const document: {
  createRange(): {
    selectNodeContents(node: unknown): void;
    getBoundingClientRect(): { y: number; height: number };
  };
};

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let project = '';

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
  project = await projectId(client);
  browser = await launchChromium();
  page = await signedInPage(browser.context, server.url, server.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function box(locator: Locator) {
  const b = await locator.boundingBox();
  if (!b) throw new Error(`${locator.toString()} is not shown`);
  return b;
}

const isFocused = (locator: Locator) => locator.evaluate((el) => el === el.ownerDocument.activeElement);

describe('the New job form', () => {
  it('numbers each parameter’s fields, and the error summary takes the reader to the right one', async () => {
    await page.goto(`${server.url}/projects/${project}/jobs/new`);
    await page.getByLabel('Job name').fill('parameters-named');
    await page.getByLabel('Step 1 command').fill('true');
    await page.getByRole('button', { name: 'Add parameter' }).click();
    await page.getByRole('button', { name: 'Add parameter' }).click();
    await page.getByLabel('Parameter 1 name', { exact: true }).fill('TWICE');
    await page.getByLabel('Parameter 1 default value', { exact: true }).fill('one');
    await page.getByLabel('Parameter 2 name', { exact: true }).fill('TWICE');
    await page.getByLabel('Parameter 2 default value', { exact: true }).fill('two');
    await page.getByLabel('Parameter 2 description', { exact: true }).fill('the second');
    await page.getByRole('checkbox', { name: 'Parameter 2 sensitive', exact: true }).check();
    expect(await page.getByRole('checkbox', { name: 'Parameter 1 sensitive', exact: true }).isChecked()).toBe(
      false,
    );
    expect(await page.getByRole('checkbox', { name: 'Step 1 enabled', exact: true }).isChecked()).toBe(true);
    // No two controls of the form share a name.
    const names = await page
      .locator('.job-form')
      .evaluate((form) =>
        [...form.querySelectorAll('input, select, textarea')].map(
          (c) =>
            c.getAttribute('aria-label') ??
            (
              c as unknown as { labels: { textContent: string | null }[] | null }
            ).labels?.[0]?.textContent?.trim() ??
            '',
        ),
      );
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}job-form-parameters.png`, fullPage: true });

    // The second parameter repeats the first's name: the server says so about parameter 2.
    await page.getByRole('button', { name: 'Create job' }).click();
    const name2 = page.getByLabel('Parameter 2 name', { exact: true });
    await page.locator('.error-summary').waitFor();
    expect(await name2.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Parameter 1 name', { exact: true }).getAttribute('aria-invalid')).toBe(
      'false',
    );
    await page
      .locator('.error-summary')
      .getByRole('button', { name: /parameter "TWICE" is defined twice/ })
      .click();
    await expect.poll(() => isFocused(name2)).toBe(true);
  });

  it('lines up the Timeout row’s two controls', async () => {
    await page.goto(`${server.url}/projects/${project}/jobs/new`);
    const after = await box(page.getByLabel('Stop a build after'));
    const unit = await box(page.getByLabel('Unit', { exact: true }));
    expect(Math.abs(after.y - unit.y)).toBeLessThanOrEqual(1);
    expect(Math.abs(after.y + after.height - (unit.y + unit.height))).toBeLessThanOrEqual(1);
    const timeout = page.locator('fieldset.timeout');
    await timeout.scrollIntoViewIfNeeded();
    await timeout.screenshot({ path: `${SHOTS}job-form-timeout.png` });
  });

  it('makes "Start from" as wide as the form’s fields', async () => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${server.url}/projects/${project}/jobs/new`);
    const startFrom = await box(page.getByLabel('Start from'));
    const jobName = await box(page.getByLabel('Job name'));
    expect(Math.abs(startFrom.x - jobName.x)).toBeLessThanOrEqual(1);
    expect(Math.abs(startFrom.width - jobName.width)).toBeLessThanOrEqual(1);
    await page.screenshot({ path: `${SHOTS}job-form-start-from.png` });
  });
});

describe('the inbox', () => {
  it('centres the "Unread only" checkbox on its text', async () => {
    await page.goto(`${server.url}/inbox`);
    const checkbox = page.getByRole('checkbox', { name: 'Unread only' });
    const mark = await box(checkbox);
    // The text's own box (a range over its text), not the label's, which holds the checkbox too.
    const text = await checkbox.evaluate((input) => {
      const node = [...(input.parentElement?.childNodes ?? [])].find(
        (n) => n.nodeType === 3 /* a text node */ && (n.textContent ?? '').includes('Unread only'),
      );
      if (!node) throw new Error('no "Unread only" text beside the checkbox');
      const range = document.createRange();
      range.selectNodeContents(node);
      const r = range.getBoundingClientRect();
      return { y: r.y, height: r.height };
    });
    const textMiddle = text.y + text.height / 2;
    expect(Math.abs(mark.y + mark.height / 2 - textMiddle)).toBeLessThanOrEqual(2);
    // And both on the line of the button beside them.
    const button = await box(page.getByRole('button', { name: 'Mark all read' }));
    expect(Math.abs(button.y + button.height / 2 - textMiddle)).toBeLessThanOrEqual(2);
    await page.locator('main').screenshot({ path: `${SHOTS}inbox-unread-only.png` });
  });
});
