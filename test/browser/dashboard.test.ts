import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { launchChromium, watchCsp, type Chromium } from './helpers/chromium.ts';
import { historyLines, importHistory } from './helpers/history.ts';
import { startReceiver } from '../helpers/notice-receiver.ts';
import { OFFICIAL_TEMPLATES } from '../../src/domain/official-templates.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from './helpers/kiln-api.ts';

// page.evaluate callbacks run in Chromium; this file is typechecked for Node (no DOM library), so
// the little of the page they use is declared here, in this module only.
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  parentElement: PageElement | null;
  tagName: string;
}
declare const document: {
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number; [i: number]: PageElement };
  activeElement: PageElement | null;
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };
declare const sessionStorage: { getItem(key: string): string | null };
declare const getComputedStyle: (element: unknown) => { color: string; backgroundColor: string };

/**
 * The dashboard story, in Debian's Chromium against a real `kiln serve` (built dist/ and web/dist):
 * sign in, create a job on a local git repository, run it and watch its log arrive, read the
 * history (window, page, charts), stop a build, edit the job, survive an expired session, sign out.
 * Screenshots of each page go to test-results/.
 */

const WEB_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const HOUR = 3_600_000;

const SLOW_STEP = 'for i in $(seq 1 20); do echo "line $i"; sleep 0.2; done';
const LAST_STEP = `printf '\\033[32mall green\\033[0m\\n'; if [ "$FAIL" = yes ]; then echo failing on purpose; exit 3; fi`;

let server: ServerProcess;
let browser: Chromium;
let page: Page;
let repo: TestRepo;
let jobId = '';
const cspViolations: string[] = [];
let firstBuild = 0;

const shot = (name: string) => page.screenshot({ path: `${SHOTS}dashboard-${name}.png`, fullPage: true });

/** The build page's status badge (in the heading) and log text, read in one go. */
const buildState = () =>
  page.evaluate(() => ({
    status: document.querySelector('h1 [data-status]')?.getAttribute('data-status') ?? '',
    log: document.querySelector('[data-testid="log"]')?.textContent ?? '',
  }));

async function signIn(p: Page, password: string) {
  await p.getByLabel('User name').fill('admin');
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * The WCAG contrast ratio of the first `selector`'s text against the background it is drawn on
 * (the nearest ancestor's that is not transparent), from the computed styles.
 */
function contrast(p: Page, selector: string): Promise<number> {
  return p
    .locator(selector)
    .first()
    .evaluate((el) => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = (c: string) => {
        const [r = 0, g = 0, b = 0] = rgb(c).map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      let back: PageElement | null = el;
      let bg = 'rgb(255, 255, 255)';
      for (; back; back = back.parentElement) {
        const c = getComputedStyle(back).backgroundColor;
        if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') {
          bg = c;
          break;
        }
      }
      const [a, b] = [luminance(getComputedStyle(el).color), luminance(bg)];
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    });
}

async function waitForStatus(status: string, timeout = 30_000) {
  await page.locator(`h1 [data-status="${status}"]`).waitFor({ timeout });
}

beforeAll(async () => {
  if (!existsSync(WEB_INDEX))
    throw new Error('web/dist is missing: run `npm run build` first (npm test does)');
  mkdirSync(SHOTS, { recursive: true });
  repo = new TestRepo();
  repo.commit('first commit');
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '2' } });
  browser = await launchChromium();
  // Whatever the Content-Security-Policy blocks on any page of the story.
  await watchCsp(browser.context, cspViolations);
  page = await browser.context.newPage();
});

afterAll(async () => {
  if (process.env.KILN_TEST_VERBOSE) console.log(server?.output());
  await browser?.close();
  await server?.stop();
});

describe('the dashboard', () => {
  it('signs in: a clear message for a wrong password, then with the keyboard alone', async () => {
    await page.goto(`${server.url}/`);
    await signIn(page, 'not-the-password');
    await page.getByRole('alert').getByText('Wrong user name or password.').waitFor();
    await shot('sign-in');
    // The user name field has focus after a failed attempt too (not the page, where the disabled
    // button left it); Tab and Enter do the rest.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'username');
    await page.keyboard.press('Tab');
    await page.keyboard.type(server.adminPassword);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('kiln.session'))).toContain('"token"');
  });

  it('creates a job, showing each validation error next to its field', async () => {
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByLabel('Job name').fill('slow-lines');
    await page.getByLabel('Clone URL').fill(repo.url);
    await page.getByLabel('Step 1 command').fill(SLOW_STEP);
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByLabel('Step 3 name').fill('extra');
    await page.getByLabel('Step 3 command').fill('echo extra');
    await page.getByRole('button', { name: 'Move step 3 up' }).click();
    expect(await page.getByLabel('Step 2 name').inputValue()).toBe('extra');
    await page.getByRole('button', { name: 'Remove step 2' }).click();
    await page.getByRole('button', { name: 'Add parameter' }).click();
    await page.getByLabel('Parameter 1 name', { exact: true }).fill('FAIL');
    await page.getByLabel('Parameter 1 default value', { exact: true }).fill('no');
    // One h1, and no heading skips a level (a screen reader's outline of the form).
    const levels = await page.evaluate(() =>
      Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'), (h) => Number(h.tagName[1])),
    );
    expect(levels.filter((l) => l === 1)).toHaveLength(1);
    expect(levels.filter((l, i) => i > 0 && l > (levels[i - 1] ?? 0) + 1)).toEqual([]);
    await page.getByRole('button', { name: 'Create job' }).click();

    // Step 2 has no command: the server says so, and the page puts it under that field.
    const command2 = page.getByLabel('Step 2 command');
    await page.locator('.error-summary').waitFor();
    expect(await command2.getAttribute('aria-invalid')).toBe('true');
    const errorId = (await command2.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toContain(
      'needs a non-empty string "command"',
    );
    await shot('job-form-errors');
    // The summary's item takes the reader to the field it is about.
    await page
      .locator('.error-summary')
      .getByRole('button', { name: /needs a non-empty string "command"/ })
      .click();
    await expect.poll(() => command2.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);

    await command2.fill(LAST_STEP);
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-z]{32}$/);
    jobId = /\/jobs\/([0-9a-z]{32})/.exec(page.url())?.[1] ?? '';
    expect(jobId).toMatch(/^[0-9a-z]{32}$/);

    // Older history for the table's pages and the charts: 25 builds, 30 h to 126 h ago.
    const { token } = await signedInClient(server.url, 'admin', server.adminPassword);
    const imported = await importHistory(
      server.url,
      token,
      jobId,
      historyLines(1, 25, Date.now() - 30 * HOUR, 4 * HOUR),
    );
    expect(imported).toBe(25);
  });

  it('runs the job and shows its log while the build runs', async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByRole('button', { name: 'Run…' }).click();
    expect(await page.getByLabel('FAIL', { exact: true }).inputValue()).toBe('no');
    await page.getByRole('button', { name: 'Start build' }).click();
    await page.waitForURL(/\/builds\/\d+$/);
    firstBuild = Number(/\/builds\/(\d+)$/.exec(page.url())?.[1]);
    expect(firstBuild).toBe(26);

    // Lines arrive while the build is still Running: one look shows some lines, a later look more,
    // and the build is Running at both.
    const lineCount = (log: string) => (log.match(/line \d+/g) ?? []).length;
    const looks: { status: string; lines: number }[] = [];
    const deadline = Date.now() + 20_000;
    let shotTaken = false;
    while (Date.now() < deadline) {
      const s = await buildState();
      looks.push({ status: s.status, lines: lineCount(s.log) });
      if (!shotTaken && s.status === 'running' && lineCount(s.log) >= 8) {
        shotTaken = true;
        await shot('build-running');
      }
      if (['success', 'failure', 'aborted', 'timeout'].includes(s.status)) break;
      await page.waitForTimeout(100);
    }
    const live = looks.filter((l) => l.status === 'running' && l.lines >= 3 && l.lines < 20);
    expect(live.length).toBeGreaterThan(2);
    expect(live[live.length - 1]?.lines).toBeGreaterThan(live[0]?.lines ?? 0);
    await waitForStatus('success');
    // A screen reader hears the state change once, not every line: the log is no live region.
    await page.getByRole('status').getByText(`Build #${firstBuild}: Success`).waitFor();
    expect(await page.getByRole('log').getAttribute('aria-live')).toBe('off');
    expect(await contrast(page, '[data-testid="log"] .ln')).toBeGreaterThanOrEqual(4.5);
    const done = await buildState();
    expect(done.log).toContain('line 20');
    // ANSI colours are drawn, not printed as escapes.
    const green = page.locator('[data-testid="log"] .lt > span', { hasText: /^all green$/ });
    expect(await green.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(74, 222, 128)');
    expect(done.log).not.toContain('\u001b[');
    // Search marks matches and counts matching lines.
    await page.getByLabel('Search log').fill('line 2');
    expect(await page.getByTestId('log-matches').textContent()).toBe('1 of 2 lines');
    expect(await page.locator('[data-testid="log"] mark').count()).toBe(2);
    // Stages (Initialize, the two steps, Finalize) with their state, and the parameters.
    await page.locator('[data-stage="final"][data-stage-status="SUCCESS"]').waitFor();
    expect(await page.locator('.stages .badge').allTextContents()).toEqual([
      'Success',
      'Success',
      'Success',
      'Success',
    ]);
    expect(await page.locator('table.params').textContent()).toContain('FAIL');
    await shot('build-finished');
    // The download sends the token (a plain link could not) and saves the whole log.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download log' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`slow-lines-${firstBuild}.log`);
    const saved = await download.path();
    expect(readFileSync(saved, 'utf8')).toContain('line 20');
  });

  it('runs it again with a parameter and the build fails', async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByRole('button', { name: 'Run…' }).click();
    await page.getByLabel('FAIL', { exact: true }).fill('yes');
    await page.getByRole('button', { name: 'Start build' }).click();
    await page.waitForURL(new RegExp(`/builds/${firstBuild + 1}$`));
    await waitForStatus('failure');
    expect((await buildState()).log).toContain('failing on purpose');
  });

  it('shows the history: window and page in the URL, newest first, charts over the same window', async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByTestId('history-summary').getByText('27 builds').waitFor();
    await page.getByLabel('Per page').selectOption('10');
    await page.waitForURL(/size=10/);
    const rows = page.locator('.history-table tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('.history-table tbody tr').length === 10);
    expect(await rows.first().getAttribute('data-build')).toBe(String(firstBuild + 1));
    expect(await rows.first().locator('[data-status]').getAttribute('data-status')).toBe('failure');
    expect(await rows.nth(1).locator('[data-status]').getAttribute('data-status')).toBe('success');
    const commit = rows.nth(1).locator('td[data-label="Commit"]');
    expect(await commit.locator('code').textContent()).toMatch(/^[0-9a-f]{8}$/);
    // The commit's message and author beside it (Kiln's commit-messages, read after the rows).
    await commit.locator('.commit-message').waitFor();
    expect((await commit.locator('.commit-message').textContent())?.trim()).toBe('first commit');
    expect((await commit.locator('.commit-author').textContent())?.trim()).toBe('Kiln Test');

    // The charts draw every finished build of the window (27) and each of its 8 days.
    await page.locator('[data-testid="duration-chart"] canvas').waitFor();
    expect(await page.getByTestId('duration-chart').getAttribute('data-points')).toBe('27');
    expect(await page.getByTestId('daily-chart').getAttribute('data-points')).toBe(
      String(daysSpanned(7 * 24 * HOUR)),
    );
    await shot('job-7d');
    expect(await contrast(page, '.history-table thead th')).toBeGreaterThanOrEqual(4.5);

    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForURL(/page=2/);
    await page.locator(`.history-table tbody tr[data-build="${firstBuild - 10}"]`).waitFor();
    expect(await rows.first().getAttribute('data-build')).toBe(String(firstBuild - 9));

    // A shared link shows the same page, after signing in (a new tab has no session yet).
    const shared = page.url();
    const other = await browser.context.newPage();
    await other.goto(shared);
    await signIn(other, server.adminPassword);
    await other.locator(`.history-table tbody tr[data-build="${firstBuild - 9}"]`).waitFor();
    await other.close();

    await page.getByLabel('Time window').selectOption('24h');
    await page.waitForURL((u) => u.searchParams.get('window') === '24h' && !u.searchParams.has('page'));
    await page.getByTestId('history-summary').getByText('2 builds').waitFor();
    expect(await rows.count()).toBe(2);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="duration-chart"]')?.getAttribute('data-points') === '2',
    );
    expect(await page.getByTestId('daily-chart').getAttribute('data-points')).toBe(
      String(daysSpanned(24 * HOUR)),
    );
    await shot('job-24h');

    // Back goes to the previous window and page.
    await page.goBack();
    await page.waitForURL(/page=2/);

    // A custom window, picked in local time: 60 h to 40 h ago holds 5 of the imported builds.
    const local = (ago: number) => {
      const d = new Date(Date.now() - ago);
      const p2 = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}`;
    };
    await page.getByLabel('Time window').selectOption('custom');
    await page.getByLabel('From').fill(local(60 * HOUR));
    await page.getByLabel('To', { exact: true }).fill(local(40 * HOUR));
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(
      (u) => u.searchParams.has('from') && u.searchParams.has('to') && !u.searchParams.has('page'),
    );
    await page.getByTestId('history-summary').getByText('5 builds').waitFor();
    expect(await rows.count()).toBe(5);
  });

  it('stops a running build, which ends ABORTED', async () => {
    const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
    const sleeper = await createShellJob(client, await projectId(client), 'sleeper', [
      'echo sleeping; sleep 60',
    ]);
    await page.goto(`${server.url}/jobs/${sleeper}`);
    await page.getByRole('button', { name: 'Run…' }).click();
    await page.getByRole('button', { name: 'Start build' }).click();
    await page.waitForURL(/\/builds\/1$/);
    await waitForStatus('running');
    await page.locator('[data-testid="log"]', { hasText: 'sleeping' }).waitFor();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await waitForStatus('aborted', 15_000);
    expect(await page.locator('h1 [data-status]').textContent()).toBe('Aborted');
    expect(await page.getByRole('button', { name: 'Stop', exact: true }).count()).toBe(0);
    await shot('build-aborted');
    // Rebuild runs it again (build 2), which is stopped in turn.
    await page.getByRole('button', { name: 'Rebuild' }).click();
    await page.waitForURL(/\/builds\/2$/);
    await page.locator('[data-testid="log"]', { hasText: 'sleeping' }).waitFor();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await waitForStatus('aborted', 15_000);
  });

  it('keeps Stop at "Stopping…" from the accepted stop until the build has ended', async () => {
    const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
    // The step ignores SIGTERM, so the build runs on through the kill grace after the stop is asked.
    const stubborn = await createShellJob(client, await projectId(client), 'stubborn', [
      "trap '' TERM; echo sleeping; sleep 60",
    ]);
    await page.goto(`${server.url}/jobs/${stubborn}`);
    await page.getByRole('button', { name: 'Run…' }).click();
    await page.getByRole('button', { name: 'Start build' }).click();
    await page.waitForURL(/\/builds\/1$/);
    await page.locator('[data-testid="log"]', { hasText: 'sleeping' }).waitFor();
    // Every state the stop button goes through, as the page shows it.
    await page.evaluate(`window.stopStates = [];
      new MutationObserver(() => {
        const b = [...document.querySelectorAll('button')].find((b) => /^Stop(ping…)?$/.test(b.textContent));
        const state = b ? b.textContent + (b.disabled ? ' (disabled)' : '') : 'gone';
        if (window.stopStates.at(-1) !== state) window.stopStates.push(state);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });`);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await waitForStatus('aborted', 15_000);
    const states = await page.evaluate<string[]>('window.stopStates');
    expect(states.slice(states.indexOf('Stopping… (disabled)'))).toEqual(['Stopping… (disabled)', 'gone']);
  });

  it('lists projects and jobs with health, last build and 7-day success; search by name', async () => {
    await page.goto(`${server.url}/`);
    const row = page.locator(`tr[data-job="${jobId}"]`);
    await row.waitFor();
    expect(await row.locator('svg[aria-label^="Health "]').count()).toBe(1);
    expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('failure');
    await row.getByText(/%/).waitFor();
    await shot('projects');
    // Run… on a row opens the job's run form, its parameters filled in.
    await row.getByRole('link', { name: 'Run slow-lines…' }).click();
    await page.waitForURL(new RegExp(`/jobs/${jobId}\\?run=1$`));
    expect(await page.getByLabel('FAIL', { exact: true }).inputValue()).toBe('no');
    await page.getByRole('button', { name: 'Start build' }).waitFor();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Find jobs by name').fill('sleep');
    await page.waitForURL(/q=sleep/);
    await page.locator(`tr[data-job="${jobId}"]`).waitFor({ state: 'detached' });
    expect(await page.locator('tr[data-job]').count()).toBe(1);
  });

  it('edits the job: push trigger with its webhook, a bad cron shown at its field', async () => {
    await page.goto(`${server.url}/jobs/${jobId}/edit`);
    await page.getByLabel('Build when commits are pushed').check();
    await page.getByTestId('webhook').waitFor();
    expect(await page.getByLabel('Webhook URL').inputValue()).toContain(`/v1/kiln/webhooks/${jobId}`);
    expect((await page.getByLabel('Secret').inputValue()).length).toBeGreaterThan(8);
    await page.getByRole('button', { name: 'Add schedule' }).click();
    await page.getByLabel('Schedule 1', { exact: true }).fill('not a cron');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.error-summary').waitFor();
    expect(await page.getByLabel('Schedule 1', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await shot('job-edit-errors');
    await page.getByLabel('Schedule 1', { exact: true }).fill('0 2 * * *');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/jobs/${jobId}$`));
  });

  it("shows the job's webhook and its recent deliveries, with what came of each", async () => {
    // A delivery the host signed with another secret: refused, and listed as such.
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) });
    const res = await fetch(`${server.url}/v1/kiln/webhooks/${jobId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'delivery-from-the-test',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
      body,
    });
    expect(res.status).toBe(401);
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByText('Webhook', { exact: true }).click();
    expect(await page.getByLabel('Webhook URL').inputValue()).toContain(`/v1/kiln/webhooks/${jobId}`);
    const row = page.locator('[data-testid="webhook-deliveries"] tbody tr').first();
    await row.waitFor();
    expect(await row.getAttribute('data-outcome')).toBe('refused');
    expect(await row.textContent()).toContain('github push');
    expect(await row.textContent()).toContain('Refused (401 APIGW.0301)');
    expect(await row.textContent()).toContain('does not match');
    await page.locator('.job-webhook').screenshot({ path: `${SHOTS}dashboard-job-webhook.png` });
  });

  it("turns the job's status badge on and shows it with the snippets for a README", async () => {
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByText('Status badge', { exact: true }).click();
    const section = page.locator('.job-badge');
    await section.getByRole('button', { name: 'Turn on' }).click();
    await section.getByTestId('badge-snippets').waitFor();
    const img = section.getByTestId('badge-image');
    await expect
      .poll(() => img.evaluate((el: unknown) => (el as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(40);
    const markdown = await section.getByLabel('Markdown').inputValue();
    expect(markdown).toBe(
      `[![build status](${server.url}/v1/kiln/jobs/${jobId}/badge.svg)](${server.url}/jobs/${jobId})`,
    );
    expect(await section.getByLabel('HTML').inputValue()).toContain(
      `src="${server.url}/v1/kiln/jobs/${jobId}/badge.svg"`,
    );
    // The image is read without signing in: what a README shows.
    const svg = await fetch(`${server.url}/v1/kiln/jobs/${jobId}/badge.svg`);
    expect(svg.status).toBe(200);
    expect(await svg.text()).toMatch(/aria-label="build: (passing|failing|running)"/);
    await section.screenshot({ path: `${SHOTS}dashboard-job-badge.png` });
    await section.getByRole('button', { name: 'Turn off' }).click();
    await section.getByRole('button', { name: 'Turn on' }).waitFor();
    expect((await fetch(`${server.url}/v1/kiln/jobs/${jobId}/badge.svg`)).status).toBe(404);
  });

  it("sets a job's notifications, sends a test, shows the deliveries and the inbox", async () => {
    const receiver = await startReceiver();
    try {
      const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
      const quick = await createShellJob(client, await projectId(client), 'notified', ['echo done']);
      await page.goto(`${server.url}/jobs/${quick}`);
      await page.getByText('Notifications', { exact: true }).click();
      const hook = page.getByTestId('notice-WEBHOOK');
      await hook.getByLabel('Build succeeded').check();
      await hook.getByLabel('Webhook URL').fill(`${receiver.url}/hook`);
      await hook.getByLabel(/^Secret/).fill('browser-secret');
      await hook.getByRole('button', { name: 'Save' }).click();
      await hook.getByRole('button', { name: 'Send a test' }).click();
      await expect
        .poll(() => hook.getByTestId('notice-WEBHOOK-result').textContent())
        .toBe('Test delivered (200).');
      expect(JSON.parse(receiver.received[0]!.body).event).toBe('test');
      expect(receiver.received[0]!.headers['x-kiln-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
      const inboxChannel = page.getByTestId('notice-MESSAGE');
      await inboxChannel.getByLabel('Build succeeded').check();
      await inboxChannel.getByRole('button', { name: 'Save' }).click();
      await expect
        .poll(
          async () =>
            (await client.listNotice({ params: { job_id: quick } })).result[2]!.enable_map.buildJobSuccess,
        )
        .toBe(true);

      expect(await runToEnd(client, quick)).toBe('SUCCESS');
      await receiver.waitFor(2);
      expect(JSON.parse(receiver.received[1]!.body)).toMatchObject({
        event: 'buildJobSuccess',
        build: { number: 1 },
      });
      await page.reload();
      await page.getByText('Notifications', { exact: true }).click();
      const history = page.getByTestId('notice-history');
      await history.locator('tr[data-state="delivered"]').first().waitFor();
      expect(await history.textContent()).toContain('Build #1 of notified succeeded');
      await page.locator('.job-notices').screenshot({ path: `${SHOTS}dashboard-job-notices.png` });

      // The inbox: the header counts the unread message; the page lists it and marks it read.
      await page.getByTestId('header-unread').waitFor();
      await page.getByRole('link', { name: /^Inbox/ }).click();
      const inbox = page.getByTestId('inbox');
      await inbox.getByRole('link', { name: 'Build #1 of notified succeeded' }).waitFor();
      await shot('inbox');
      await page.getByRole('button', { name: 'Mark all read' }).click();
      await expect.poll(() => page.getByTestId('inbox-unread').textContent()).toBe('(0 unread)');
      await page.getByTestId('my-email').fill('admin@example.com');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('status').getByText('Saved.').waitFor();
      expect((await client.showMyNotifications({})).result.email).toBe('admin@example.com');
    } finally {
      await receiver.close();
    }
  });

  it('keeps files in the file manager: upload, rights, download, delete', async () => {
    const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
    await client.createUser({ body: { name: 'file-reader', password: 'file-reader-pass-1' } });
    await page.goto(`${server.url}/files`);
    await page.getByLabel('File', { exact: true }).setInputFiles({
      name: 'release.jks',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('keystore bytes'),
    });
    await page.getByLabel('Description').fill('the release key');
    await page.getByRole('button', { name: 'Upload' }).click();
    const row = page.locator('tr[data-name="release.jks"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('14 bytes');
    await row.getByRole('button', { name: 'Rights' }).click();
    const rights = page.getByTestId('rights-release.jks');
    await rights.getByLabel('User name').fill('file-reader');
    await rights.getByRole('button', { name: 'Give' }).click();
    await rights.getByText('file-reader: use').waitFor();
    await shot('files');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('release.jks');
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await client.listKeystore({})).result).toEqual([]);
  });

  it('starts a new job from a template, and saves a job as one', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByLabel('Job name').fill('from-python');
    await page
      .getByTestId('start-from')
      .selectOption(OFFICIAL_TEMPLATES.find((t) => t.name === 'python')!.uuid);
    expect(await page.getByLabel('Step 1 command').inputValue()).toContain('python3 -m unittest');
    await page.getByLabel('Clone URL').fill(repo.url);
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('heading', { name: 'from-python' }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await page.goto(`${server.url}/jobs/${id}/edit`);
    await page.getByText('Save as template').click();
    await page.getByLabel('Template name').fill('team-python');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').getByText('Saved: new jobs can start from “team-python”.').waitFor();
    const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
    const official = await client.listOfficialTemplate({ query: { name: 'python' } });
    expect(official.result.items[0]!.weight).toBe(1); // the job recorded where it started
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByTestId('start-from').selectOption({ label: 'team-python' });
    expect(await page.getByLabel('Step 1 command').inputValue()).toContain('python3');
  });

  it('fits a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/jobs/${jobId}?size=10`);
    await page.locator('.history-table tbody tr').first().waitFor();
    await page.locator('[data-testid="daily-chart"] canvas').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(
      true,
    );
    await shot('phone-job');
    await page.goto(`${server.url}/jobs/${jobId}/builds/${firstBuild}`);
    await waitForStatus('success');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(
      true,
    );
    await shot('phone-build');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('goes back to sign-in with "your session expired" when the token stops working', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    // The page has loaded its jobs (else a load of its own, not the click, meets the dead token).
    const link = page.getByRole('link', { name: 'slow-lines', exact: true });
    await link.waitFor();
    const token = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('kiln.session') ?? '{}').token as string,
    );
    const { client } = await signedInClient(server.url, 'admin', server.adminPassword);
    await client.keystoneRevokeToken({ headers: { 'x-subject-token': token } });
    await link.click();
    await page.getByText(/Your session expired/).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('kiln.session'))).toBeNull();
    await shot('session-expired');
    await signIn(page, server.adminPassword);
    await page.locator('.history-table').waitFor();
    expect(page.url()).toContain(`/jobs/${jobId}`);
  });

  it('signs out, revoking the token', async () => {
    const token = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('kiln.session') ?? '{}').token as string,
    );
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You signed out.').waitFor();
    const res = await fetch(`${server.url}/v1/domain/project/related`, {
      headers: { 'x-auth-token': token },
    });
    expect(res.status).toBe(401);
    expect(await page.evaluate(() => sessionStorage.getItem('kiln.session'))).toBeNull();
  });
});

describe("the dashboard's Content-Security-Policy", () => {
  it('is sent with the page, and the build has nothing inline for it to block', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = readFileSync(WEB_INDEX, 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes = '', body = ''] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/assets\//);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i);
  });

  it('blocked nothing on any page of the story above', () => {
    expect(cspViolations).toEqual([]);
  });
});

/** Days of the viewer's calendar a window of `ms` ending now touches (what the daily chart draws). */
function daysSpanned(ms: number): number {
  const now = new Date();
  const from = new Date(now.getTime() - ms);
  const a = new Date(from.getFullYear(), from.getMonth(), from.getDate());
  const b = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  return Math.round((b.getTime() - a.getTime()) / 86_400_000) + 1;
}
