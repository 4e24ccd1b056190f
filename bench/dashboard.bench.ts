import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from '../test/helpers/cli.ts';
import { findChromium, launchChromium } from '../test/browser/helpers/chromium.ts';
import { historyLines, importHistory } from '../test/browser/helpers/history.ts';
import { createShellJob, projectId, runToEnd, signedInClient } from '../test/browser/helpers/kiln-api.ts';

// The init script runs in Chromium; this file is typechecked for Node (no DOM library).
declare const sessionStorage: { setItem(key: string, value: string): void };

/**
 * The dashboard benchmark (issue "The dashboard"): a job with 1,000,000 builds, all in the job
 * page's default window (the last 7 days), imported through the import API in parts of 50,000
 * lines. Measures, in Chromium's own clock, how long after navigation the job page shows its first
 * page of history (goal: under 1 s), then the charts (capped at the newest 1,000 builds), a page
 * change, and the last page (the deepest OFFSET).
 *
 * Run with `npm run bench:dashboard` (it builds first).
 * KILN_BENCH_BUILDS picks another size.
 */
const BUILDS = Number(process.env.KILN_BENCH_BUILDS ?? 1_000_000);
const RUNS = 5;
const WEEK = 7 * 86_400_000;
const WEB_INDEX = fileURLToPath(new URL('../web/dist/index.html', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (x: number) => `${x.toFixed(0)} ms`;

if (!existsSync(WEB_INDEX)) throw new Error('web/dist is missing: run `npm run build` first');

const server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '2' } });
// A browser of its own, which close() ends (the tests' shared one would keep this process alive).
const browser = await launchChromium(undefined, await findChromium());
try {
  const { client, token } = await signedInClient(server.url, 'admin', server.adminPassword);
  const jobId = await createShellJob(client, await projectId(client), 'million', ['true']);
  // Evenly over the last 7 days minus a margin, newest a minute ago.
  const spacing = Math.floor((WEEK - 3_600_000) / BUILDS);
  const t0 = Date.now();
  const imported = await importHistory(
    server.url,
    token,
    jobId,
    historyLines(1, BUILDS, Date.now() - 60_000, spacing),
  );
  console.log(`imported ${imported.toLocaleString()} builds in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const page = await browser.context.newPage();
  await page.addInitScript((t) => {
    const session = {
      token: t,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      userName: 'admin',
      domainName: 'default',
    };
    sessionStorage.setItem('kiln.session', JSON.stringify(session));
  }, token);

  /** Navigates and returns Chromium's ms since navigation start when `selector` shows. */
  const timeTo = async (url: string, selector: string, timeout = 30_000) => {
    await page.goto(url);
    await page.locator(selector).first().waitFor({ timeout });
    return page.evaluate(() => performance.now());
  };

  const jobUrl = `${server.url}/jobs/${jobId}`;
  await timeTo(jobUrl, '.history-table tbody tr'); // warm-up: caches, JIT, SQLite pages
  const firstPage: number[] = [];
  const charts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    firstPage.push(await timeTo(jobUrl, '.history-table tbody tr'));
    await page.locator('[data-testid="duration-chart"] canvas').waitFor({ timeout: 60_000 });
    charts.push(await page.evaluate(() => performance.now()));
  }
  const summary = await page.getByTestId('history-summary').textContent();
  const cap = await page.getByTestId('chart-cap').textContent();
  const points = await page.getByTestId('duration-chart').getAttribute('data-points');

  // A page change in the loaded app (no navigation): click Next, wait for the next page's first row.
  const next: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(jobUrl);
    await page.locator('.history-table tbody tr').first().waitFor();
    const want = String(BUILDS - 20);
    const t = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.locator(`.history-table tbody tr[data-build="${want}"]`).waitFor();
    next.push((await page.evaluate(() => performance.now())) - t);
  }

  const lastPage: number[] = [];
  const pages = Math.ceil(BUILDS / 20);
  for (let i = 0; i < RUNS; i++)
    lastPage.push(await timeTo(`${jobUrl}?page=${pages}`, '.history-table tbody tr[data-build="1"]'));

  console.log(`job page shows: "${summary}"; charts: ${points} points; note: "${cap}"`);
  console.log(
    `first page of history shown after navigation: median ${ms(median(firstPage))}, max ${ms(Math.max(...firstPage))} (goal < 1000 ms) [${firstPage.map(ms).join(', ')}]`,
  );
  console.log(
    `charts drawn after navigation:              median ${ms(median(charts))}, max ${ms(Math.max(...charts))}`,
  );
  console.log(
    `next page (click to rows):                  median ${ms(median(next))}, max ${ms(Math.max(...next))}`,
  );
  console.log(
    `last page (page ${pages.toLocaleString()}) after navigation: median ${ms(median(lastPage))}, max ${ms(Math.max(...lastPage))}`,
  );
  if (median(firstPage) >= 1000) process.exitCode = 1;

  // A build with a long log (KILN_BENCH_LOG_MB, default 100 MB) against one with a short log, in
  // the same run: how long after navigation its build page shows log lines. A long log is read
  // from its end (docs/dashboard.md), not whole.
  const logMb = Number(process.env.KILN_BENCH_LOG_MB ?? 100);
  const lineCount = Math.round((logMb * 1024 * 1024) / 48);
  const longJob = await createShellJob(client, await projectId(client), 'long-log', [
    `seq 1 ${lineCount} | sed 's/^/a line of a long build log, and its number: /'`,
  ]);
  const shortJob = await createShellJob(client, await projectId(client), 'short-log', ['echo one line']);
  const t1 = Date.now();
  const [longState, shortState] = await Promise.all([
    runToEnd(client, longJob, 600_000),
    runToEnd(client, shortJob),
  ]);
  console.log(
    `a build writing ${logMb} MB of log: ${longState} in ${((Date.now() - t1) / 1000).toFixed(1)} s; the one-line build: ${shortState}`,
  );
  const logShown = async (job: string) =>
    timeTo(`${server.url}/jobs/${job}/builds/1`, '[data-testid="log"] .log-line');
  await logShown(longJob); // warm-up
  const longLog: number[] = [];
  const shortLog: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    shortLog.push(await logShown(shortJob));
    longLog.push(await logShown(longJob));
  }
  console.log(
    `log lines shown, ${logMb} MB log:             median ${ms(median(longLog))}, max ${ms(Math.max(...longLog))} (goal < 1000 ms) [${longLog.map(ms).join(', ')}]`,
  );
  console.log(
    `log lines shown, one-line log (baseline):  median ${ms(median(shortLog))}; the long log x${(median(longLog) / median(shortLog)).toFixed(2)} of it`,
  );
  if (median(longLog) >= 1000) process.exitCode = 1;
} finally {
  await browser.close();
  await server.stop();
}
