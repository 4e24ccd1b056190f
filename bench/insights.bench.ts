import { sql } from 'kysely';
import type { Build } from '../src/domain/build.ts';
import { newRecordId } from '../src/domain/ids.ts';
import { insightsOf, slowestStages, STAGE_BUILDS } from '../src/domain/insights.ts';
import type { Storage } from '../src/storage/ports.ts';
import type { SqlStorage } from '../src/storage/sql/sql-storage.ts';
import { onEachStore } from './lib/stores.ts';
import { seedDomain, seedProjectJob } from './lib/seed.ts';
import { fmt, median, report } from './lib/stats.ts';

/**
 * Kiln's insights of a job (`node --import tsx bench/insights.bench.ts`): what GET
 * /v1/kiln/jobs/{job_id}/insights does past its access check (read the window's builds, ten
 * columns each, and compute the weeks and flaky commits; the slowest stages of the latest 1,000
 * builds), for a 90-day and a 7-day window of a job
 * with 1,000,000 builds over 3 years (~82,000 in 90 days), next to the records page of the same
 * window (the seed endpoint's query) as the baseline. The goal is under 200 ms for 90 days: the
 * cost follows the window, not the history. KILN_BENCH_BUILDS sets the size; with
 * KILN_TEST_DATABASE_URL it runs on PostgreSQL too.
 */
const BUILDS = Number(process.env.KILN_BENCH_BUILDS ?? 1_000_000);
const DAY = 86_400_000;
const end = Date.UTC(2026, 0, 1);
const span = 3 * 365 * DAY;
const RUNS = 7;

function history(jobId: string, from: number, to: number): Build[] {
  const out: Build[] = [];
  for (let n = from; n < to; n++) {
    const t = end - span + Math.floor(((n - 1) * span) / BUILDS);
    const sha = (Math.floor(n / 2) * 2654435761).toString(16).padStart(8, '0').repeat(5).slice(0, 40);
    out.push({
      recordId: newRecordId(),
      jobId,
      number: n,
      dailyBuildNumber: `20240101.${n}`,
      startTime: t,
      runStartedAt: t + 1000,
      finishedAt: t + 61_000 + (n % 97) * 1000,
      runningStatus: 'Finished',
      state: n % 10 === 0 ? 'FAILURE' : 'SUCCESS',
      triggerType: 'Manual',
      userId: 'u',
      executor: 'bench',
      nickname: 'bench',
      // Two builds per commit: every tenth build fails, so some commits are flaky.
      commitId: sha,
      commitTime: t - 600_000,
      commitMessage: 'a change',
      buildType: 'branch',
      codeBranch: n % 5 === 0 ? 'feature' : 'main',
      scmType: 'git',
      scmWebUrl: '',
      buildTime: 60_000 + (n % 97) * 1000,
      costTime: 61_000 + (n % 97) * 1000,
      parameters: [],
      requestedCommit: '',
    });
  }
  return out;
}

async function seed(storage: Storage): Promise<string> {
  const jobId = await seedProjectJob(storage, await seedDomain(storage, end), 'p', end);
  for (let n = 1; n <= BUILDS; n += 20_000) {
    const batch = history(jobId, n, Math.min(BUILDS + 1, n + 20_000));
    await storage.transaction((tx) => tx.builds.insertMany(batch));
  }
  return jobId;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function measure(name: string, storage: Storage): Promise<void> {
  const started = Date.now();
  const jobId = await seed(storage);
  console.log(
    `  ${name}: ${BUILDS.toLocaleString()} builds seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  // As autovacuum leaves a table that has taken its inserts: statistics and a visibility map (so
  // that index-only scans need not visit the rows).
  if (storage.dialect === 'postgres') await sql`vacuum analyze`.execute((storage as SqlStorage).db);
  for (const days of [90, 7]) {
    const window = { jobId, from: end - days * DAY, to: end };
    const jobs = { jobs: [{ id: jobId, branch: 'main' }], from: window.from, to: window.to };
    const page: number[] = [];
    const reads: number[] = [];
    const insights: number[] = [];
    let read = 0;
    for (let i = 0; i < RUNS; i++) {
      page.push(await time(() => storage.builds.pageInWindow(window, 0, 10)));
      reads.push(await time(() => storage.builds.insightRows(jobs, 100_000)));
      insights.push(
        await time(async () => {
          const [{ builds }, stages] = await Promise.all([
            storage.builds.insightRows(jobs, 100_000),
            storage.builds.stageTimes(jobs, STAGE_BUILDS),
          ]);
          read = builds.length;
          insightsOf(builds, window, 'UTC');
          slowestStages(stages);
        }),
      );
    }
    const base = median(page);
    report(`${name}: records page, ${days} days (baseline)`, fmt(base), '');
    report(
      `${name}: the read alone, ${days} days`,
      fmt(median(reads)),
      `x${(median(reads) / base).toFixed(1)}`,
    );
    report(
      `${name}: insights, ${days} days (${read.toLocaleString()} builds)`,
      fmt(median(insights)),
      `x${(median(insights) / base).toFixed(1)} of the page; goal for 90 days: < 200 ms`,
    );
  }
}

await onEachStore(measure);
