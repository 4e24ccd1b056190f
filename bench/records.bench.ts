import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { createPostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import type { Storage } from '../src/storage/ports.ts';
import { createSqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { KILN_BIN, login, run, startProcess, type Served } from './lib/processes.ts';
import { freePort } from '../test/helpers/cli.ts';
import { fmt, median, percentile, report, timeEach } from './lib/stats.ts';
import { runWrk, type RandomRequests, type WrkResult } from './lib/wrk.ts';

/**
 * The records benchmark (issue "build-records API"): a job with 20,000 and then 1,000,000 builds
 * over 3 years, imported with `kiln import-records`; page latency at any depth; the cost of
 * total_record; and throughput under wrk against a bare node:http + one prepared statement baseline
 * measured in the same run, with the server's RSS. KILN_BENCH_BUILDS picks other sizes
 * (comma-separated, e.g. `20000`).
 *
 * With KILN_BENCH_POSTGRES=postgres://... (issue "scale-out") the same import, page latencies and
 * throughput are measured again on PostgreSQL (a database made for the run and dropped after),
 * throughput reported against the SQLite figure of the same run.
 */
const SIZES = (process.env.KILN_BENCH_BUILDS ?? '20000,1000000').split(',').map(Number);
const YEARS = 3;
const PASSWORD = 'bench-admin-password';
const DAY = 86_400_000;
const start = Date.UTC(2023, 0, 1);
const span = YEARS * 365 * DAY;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Writes the import file: builds spread evenly over the years, numbers in time order. */
async function writeHistory(file: string, builds: number): Promise<void> {
  const out = createWriteStream(file);
  const perDay = new Map<string, number>();
  for (let n = 1; n <= builds; n++) {
    const t = start + Math.floor(((n - 1) * span) / builds);
    const d = new Date(t);
    const day = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
    const daily = (perDay.get(day) ?? 0) + 1;
    perDay.set(day, daily);
    const sha = (n * 2654435761).toString(16).padStart(8, '0').repeat(5).slice(0, 40);
    const line = JSON.stringify({
      number: n,
      build_time: 60_000 + (n % 97) * 1000,
      start_time: t,
      job_running_status: 'Finished',
      state: n % 10 === 0 ? 'FAILURE' : 'SUCCESS',
      user_id: 'ae22fd035f354cfa8d82a3f1c8940446',
      executor: 'bench',
      nickname: 'Bench User',
      daily_build_number: `${day}.${daily}`,
      trigger_type: n % 3 === 0 ? 'Scheduled' : 'Manual',
      cost_time: 65_000 + (n % 97) * 1000,
      commit_id: sha,
      commit_info: {
        commit_id: sha,
        created_at: new Date(t - 3_600_000).toISOString().replace('Z', '+00:00'),
      },
      build_type: 'branch',
      code_branch: 'main',
      scm_type: 'github',
      scm_web_url: 'https://github.com/example/service',
      commit_detail_url: `https://github.com/example/service/commit/${sha}`,
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A Kiln server on one store, with the million-build job imported. */
interface Measured {
  kiln: Served;
  jobId: string;
  projectId: string;
  headers: Record<string, string>;
}

/**
 * Starts Kiln on the store that `env` names, imports the history with `kiln import-records`,
 * restarts it with request logging on (as the product runs), and measures page latency at depth.
 */
async function importAndMeasurePages(
  file: string,
  env: Record<string, string>,
  port: number,
  builds: number,
): Promise<Measured> {
  let kiln = await startProcess([KILN_BIN, 'serve'], { ...env, KILN_LOG_LEVEL: 'warn' }, port, '/readyz');
  const token = await login(kiln.url, PASSWORD);
  const headers = { 'x-auth-token': token };
  const projects = (await (await fetch(`${kiln.url}/v1/domain/project/related`, { headers })).json()) as {
    result: { project_info_list: { identifier: string }[] };
  };
  const projectId = projects.result.project_info_list[0]?.identifier ?? '';
  const created = (await (
    await fetch(`${kiln.url}/v3/jobs/create`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(jobDocument(projectId)),
    })
  ).json()) as { result: { job_id: string } };
  const jobId = created.result.job_id;

  console.log('\nImport (kiln import-records, through HTTP)');
  const began = Date.now();
  const code = await run([KILN_BIN, 'import-records', '--job', jobId, file], {
    KILN_URL: kiln.url,
    KILN_TOKEN: token,
  });
  const importSeconds = (Date.now() - began) / 1000;
  if (code !== 0) throw new Error(`import failed with ${code}`);
  report(
    `import of ${builds.toLocaleString()} builds`,
    `${importSeconds.toFixed(1)} s`,
    `target < 60 s: ${importSeconds < 60 ? 'met' : 'NOT met'}`,
  );

  await kiln.stop();
  kiln = await startProcess([KILN_BIN, 'serve'], env, port, '/readyz');
  const get = async (url: string) => {
    const res = await fetch(url, { headers });
    if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
    return res.json() as Promise<{ result: { total_record: string; total_page: string } }>;
  };
  console.log('\nPage latency (sequential requests on loopback, median of 300; page_size=100)');
  const windows = [
    { name: 'all builds', from: start, to: start + span },
    { name: 'one week', from: start + span - 7 * DAY, to: start + span - 1000 },
  ];
  for (const w of windows) {
    const first = await get(pageUrl(kiln.url, jobId, w.from, w.to, 0));
    const pages = Number(first.result.total_page);
    const at = async (index: number) =>
      median(await timeEach(300, () => get(pageUrl(kiln.url, jobId, w.from, w.to, index))));
    const p0 = await at(0);
    const p90 = await at(Math.floor(pages * 0.9));
    const last = await at(pages - 1);
    report(`${w.name} (${Number(first.result.total_record).toLocaleString()} builds): page 0`, fmt(p0));
    report(`${w.name}: page at 90% depth`, fmt(p90), `x${(p90 / p0).toFixed(2)} of page 0 (target <= 1.5)`);
    report(`${w.name}: last page`, fmt(last), `x${(last / p0).toFixed(2)} of page 0 (target <= 1.5)`);
  }
  await uncachedDepth(get, kiln.url, jobId);
  return { kiln, jobId, projectId, headers };
}

/** The benchmark job's document, with `kiln` options when given. */
const jobDocument = (projectId: string, kiln?: Record<string, unknown>) => ({
  project_id: projectId,
  job_name: 'million',
  arch: 'x86-64',
  steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'true' } }],
  ...(kiln && { kiln }),
});

/**
 * The records page while build retention deletes 90% of the history (issue 15: "the records
 * endpoint keeps its latency while 1,000,000 builds expire"): sequential page-0 requests, as a
 * dashboard polls, before and during the deletion, and whether the totals are exact after it.
 */
async function whileExpiring(m: Measured, builds: number, countBuilds: () => Promise<number>): Promise<void> {
  const keep = Math.ceil(builds / 10);
  console.log(
    `\nPage 0 while build retention deletes ${(builds - keep).toLocaleString()} builds (sequential requests)`,
  );
  const url = pageUrl(m.kiln.url, m.jobId, start, start + span, 0);
  const get = async () => {
    const res = await fetch(url, { headers: m.headers });
    if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
    return Number(((await res.json()) as { result: { total_record: string } }).result.total_record);
  };
  const quiet = await timeEach(300, get);
  const update = await fetch(`${m.kiln.url}/v3/jobs/update`, {
    method: 'POST',
    headers: { ...m.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ job_id: m.jobId, ...jobDocument(m.projectId, { builds_keep_last: keep }) }),
  });
  if (update.status !== 200) throw new Error(`update: ${update.status} ${await update.text()}`);
  const began = Date.now();
  const during: number[] = [];
  let total = builds;
  // Retention keeps the newest `keep` and the last successful build (older, when none is newer).
  while (total > keep + 1 && Date.now() - began < 900_000) {
    const t = process.hrtime.bigint();
    total = await get();
    during.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const seconds = (Date.now() - began) / 1000;
  report(
    'builds deleted',
    `${(builds - total).toLocaleString()}`,
    `in ${seconds.toFixed(1)} s, ${((builds - total) / seconds).toFixed(0)} builds/s`,
  );
  report('page 0, quiet: median / p99', `${fmt(median(quiet))} / ${fmt(percentile(quiet, 99))}`);
  const p99 = percentile(during, 99);
  report(
    `page 0 during the deletion (${during.length} requests): median / p99`,
    `${fmt(median(during))} / ${fmt(p99)}`,
    `p99 x${(p99 / percentile(quiet, 99)).toFixed(2)} of quiet; max ${fmt(Math.max(...during))}`,
  );
  const counted = await countBuilds();
  report(
    'total_record after / builds in the table',
    `${total} / ${counted}`,
    total === counted ? 'exact' : 'NOT exact',
  );
}

/**
 * Latency of pages nobody asked for before (the figures above repeat one page, which the page
 * cache then serves): the newest pages against the oldest, each page asked once, in one window.
 */
async function uncachedDepth(get: (url: string) => Promise<unknown>, base: string, jobId: string) {
  const first = (await get(pageUrl(base, jobId, start, start + span, 0))) as {
    result: { total_page: string };
  };
  const pages = Number(first.result.total_page);
  const n = Math.min(300, Math.floor(pages / 2) - 1);
  // Newest and oldest pages alternate, so both see the same warm-up and the same neighbours.
  const near: number[] = [];
  const far: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [times, index] of [
      [near, 1 + i],
      [far, pages - n + i],
    ] as const) {
      const t = process.hrtime.bigint();
      await get(pageUrl(base, jobId, start, start + span, index));
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  console.log(`\nUncached pages (each asked once, median of ${n}; page_size=100)`);
  const [newest, oldest] = [median(near), median(far)];
  report(`pages 1..${n}`, fmt(newest));
  report(
    `pages ${pages - n}..${pages - 1}`,
    fmt(oldest),
    `x${(oldest / newest).toFixed(2)} of the newest (target <= 1.5)`,
  );
}

const pageUrl = (base: string, jobId: string, from: number, to: number, index: number) =>
  `${base}/v3/jobs/${jobId}/build-info-records?start_time=${encodeURIComponent(wall(from))}&end_time=${encodeURIComponent(wall(to))}&page_index=${index}&page_size=100`;

/** The server-side cost of total_record over the whole window, straight from the store. */
async function countCost(storage: Storage, jobId: string, builds: number): Promise<void> {
  console.log('\nCost of total_record for the whole window, in the store (median of 500)');
  const count = median(
    await timeEach(500, () => storage.builds.countInWindow({ jobId, from: start, to: start + span })),
  );
  report(
    `countInWindow over ${builds.toLocaleString()} builds`,
    fmt(count),
    `target < 2 ms: ${count < 2 ? 'met' : 'NOT met'}`,
  );
  await storage.close();
}

/** What wrk asks for in a throughput run. */
interface Scenario {
  name: string;
  random: RandomRequests | undefined;
  /** Measure the bare baseline on it too (it keeps nothing, so one random run stands for both). */
  baseline: boolean;
}

function scenariosOf(builds: number): Scenario[] {
  const pages = Math.ceil(builds / 100);
  return [
    { name: 'page 0 of the window of all builds, repeated', random: undefined, baseline: true },
    {
      name: `random pages 0..${pages - 1} of the window of all builds`,
      random: { pages },
      baseline: true,
    },
    {
      name: `random pages 0..${pages - 1}, each of a window starting at a random second of the first day (nothing kept helps)`,
      random: { pages, startJitterSeconds: 86_400 },
      baseline: false,
    },
  ];
}

function reportServer(result: WrkResult): void {
  report('kiln non-2xx answers during the run', String(result.non2xx));
  report(
    'kiln server RSS during the run (max)',
    `${result.maxRssMb.toFixed(0)} MB`,
    `target < 200 MB: ${result.maxRssMb < 200 ? 'met' : 'NOT met'}`,
  );
}

/** What the baseline must be beaten by on random pages: 1x at 20,000 builds, 10x at 1,000,000. */
const randomTarget = (builds: number) => (builds >= 1_000_000 ? 10 : 1);

/** SQLite, the default store: everything, with the bare baseline server. Returns kiln's req/s. */
async function onSqlite(dir: string, file: string, builds: number): Promise<number[]> {
  console.log(`\n--- SQLite (the embedded default), ${builds.toLocaleString()} builds ---`);
  const dataDir = join(dir, 'data');
  const env = {
    KILN_DATA_DIR: dataDir,
    KILN_PORT: '',
    KILN_ADMIN_PASSWORD: PASSWORD,
    KILN_RUNNER_SLOTS: '0',
    KILN_LOG_LEVEL: 'info',
  };
  const port = await freePort();
  const measured = await importAndMeasurePages(file, { ...env, KILN_PORT: String(port) }, port, builds);
  const { kiln, jobId, headers } = measured;
  await countCost(await createSqliteStorage({ path: join(dataDir, 'kiln.db') }), jobId, builds);

  const url = pageUrl(kiln.url, jobId, start, start + span, 0);
  const basePort = await freePort();
  const baseArgs = [
    '--import',
    'tsx',
    join(import.meta.dirname, 'baseline-server.ts'),
    join(dataDir, 'kiln.db'),
    String(basePort),
  ];
  const ours: number[] = [];
  let baselineRandom = NaN;
  for (const [i, scenario] of scenariosOf(builds).entries()) {
    console.log(`\nThroughput (wrk, 1 thread, 16 connections, 10 s, 100 records a page): ${scenario.name}`);
    const result = await runWrk(url, headers, 10, 16, kiln.child.pid as number, scenario.random);
    let baseline = baselineRandom;
    if (scenario.baseline) {
      const base = await startProcess(baseArgs, {}, basePort, '/readyz');
      const measured = await runWrk(
        url.replace(kiln.url, base.url),
        {},
        10,
        16,
        base.child.pid as number,
        scenario.random,
      );
      await base.stop();
      baseline = measured.requestsPerSecond;
      if (scenario.random) baselineRandom = baseline;
      report('baseline: node:http + one prepared statement + JSON.stringify', `${baseline.toFixed(0)} req/s`);
      report('baseline server RSS during the run (max)', `${measured.maxRssMb.toFixed(0)} MB`);
    }
    const target = scenario.random ? randomTarget(builds) : 1;
    const ratio = result.requestsPerSecond / baseline;
    report(
      'kiln (auth, validation, totals, health, logging, metrics)',
      `${result.requestsPerSecond.toFixed(0)} req/s`,
      `x${ratio.toFixed(2)} of the baseline${scenario.random ? `'s random pages${scenario.baseline ? '' : ' (above)'}` : ''} (target >= ${target}: ${ratio >= target ? 'met' : 'NOT met'})`,
    );
    if (i > 0) {
      const ofPage0 = result.requestsPerSecond / (ours[0] ?? NaN);
      report(
        'kiln random pages against kiln page 0',
        `x${ofPage0.toFixed(2)}`,
        `target >= 0.5: ${ofPage0 >= 0.5 ? 'met' : 'NOT met'}`,
      );
    }
    reportServer(result);
    ours.push(result.requestsPerSecond);
  }
  await whileExpiring(measured, builds, async () => {
    // Counted row by row, not from the per-day counts the API's total comes from.
    const db = new BetterSqlite3(join(dataDir, 'kiln.db'), { readonly: true });
    try {
      return (db.prepare('select count(*) as n from builds where job_id = ?').get(jobId) as { n: number }).n;
    } finally {
      db.close();
    }
  });
  await kiln.stop();
  return ours;
}

/** PostgreSQL: the same import, depths and throughput, against SQLite's figures of this run. */
async function onPostgres(
  dir: string,
  file: string,
  adminUrl: string,
  sqlite: number[],
  builds: number,
): Promise<void> {
  console.log(`\n--- PostgreSQL, ${builds.toLocaleString()} builds ---`);
  const name = `kiln_bench_records_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  try {
    const port = await freePort();
    const env = {
      KILN_DATA_DIR: join(dir, 'pg-data'),
      KILN_PORT: String(port),
      KILN_DATABASE_URL: dbUrl.toString(),
      KILN_SECRET_KEY: 'bench-secret-key-0123456789',
      KILN_ADMIN_PASSWORD: PASSWORD,
      KILN_RUNNER_SLOTS: '0',
      KILN_LOG_LEVEL: 'info',
    };
    const measured = await importAndMeasurePages(file, env, port, builds);
    const { kiln, jobId, headers } = measured;
    await countCost(await createPostgresStorage({ url: dbUrl.toString(), poolSize: 2 }), jobId, builds);
    const url = pageUrl(kiln.url, jobId, start, start + span, 0);
    const ours: number[] = [];
    for (const [i, scenario] of scenariosOf(builds).entries()) {
      console.log(`\nThroughput (wrk, 1 thread, 16 connections, 10 s, 100 records a page): ${scenario.name}`);
      const result = await runWrk(url, headers, 10, 16, kiln.child.pid as number, scenario.random);
      const ratio = (result.requestsPerSecond / (sqlite[i] ?? NaN)).toFixed(2);
      report(
        'kiln on PostgreSQL',
        `${result.requestsPerSecond.toFixed(0)} req/s`,
        `x${ratio} of kiln on SQLite`,
      );
      if (i > 0) {
        const ofPage0 = result.requestsPerSecond / (ours[0] ?? NaN);
        report(
          'kiln random pages against kiln page 0 (PostgreSQL)',
          `x${ofPage0.toFixed(2)}`,
          `target >= 0.5: ${ofPage0 >= 0.5 ? 'met' : 'NOT met'}`,
        );
      }
      reportServer(result);
      ours.push(result.requestsPerSecond);
    }
    await whileExpiring(measured, builds, async () => {
      // Counted row by row, not from the per-day counts the API's total comes from.
      const db = new pg.Client({ connectionString: dbUrl.toString() });
      await db.connect();
      try {
        const { rows } = await db.query('select count(*)::int as n from builds where job_id = $1', [jobId]);
        return rows[0].n as number;
      } finally {
        await db.end();
      }
    });
    await kiln.stop();
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  for (const builds of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-records-'));
    const file = join(dir, 'history.jsonl');
    console.log(
      `\nrecords benchmark: ${builds.toLocaleString()} builds over ${YEARS} years (files in ${dir})`,
    );
    await writeHistory(file, builds);
    const sqlite = await onSqlite(dir, file, builds);
    if (process.env.KILN_BENCH_POSTGRES)
      await onPostgres(dir, file, process.env.KILN_BENCH_POSTGRES, sqlite, builds);
    // KILN_BENCH_KEEP=1 leaves the data for a closer look (its path is printed at the start).
    if (!process.env.KILN_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
