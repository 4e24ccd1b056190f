import { sql } from 'kysely';
import type { Build } from '../src/domain/build.ts';
import { newRecordId } from '../src/domain/ids.ts';
import type { Storage } from '../src/storage/ports.ts';
import type { SqlStorage } from '../src/storage/sql/sql-storage.ts';
import { onEachStore } from './lib/stores.ts';
import { seedDomain, seedJob, seedProject } from './lib/seed.ts';
import { fmt, median, report, timeEach } from './lib/stats.ts';

/**
 * A project's records (`npm run bench:project-records`): ListRecords with a project id reads its
 * jobs' builds merged, newest first. What it does past its access check (the store's jobsPage) is
 * timed at the first page, the middle and the last of 100 jobs × 10,000 builds (1,000,000 builds
 * over 3 years, the jobs' histories interleaved), next to one job's first records page (the seed
 * endpoint's query) as the baseline. The promise is the seed endpoint's: a page costs the same at
 * any depth. KILN_BENCH_JOBS and KILN_BENCH_BUILDS_PER_JOB set the size; with
 * KILN_TEST_DATABASE_URL it runs on PostgreSQL too.
 */
const JOBS = Number(process.env.KILN_BENCH_JOBS ?? 100);
const PER_JOB = Number(process.env.KILN_BENCH_BUILDS_PER_JOB ?? 10_000);
const TOTAL = JOBS * PER_JOB;
const DAY = 86_400_000;
const end = Date.UTC(2026, 0, 1);
const span = 3 * 365 * DAY;
const RUNS = 15;

function history(jobId: string, job: number): Build[] {
  const out: Build[] = [];
  for (let n = 1; n <= PER_JOB; n++) {
    // Job j's n-th build: the jobs take turns, so every day holds builds of many jobs.
    const t = end - span + Math.floor(((n - 1) * JOBS + job) * (span / TOTAL));
    out.push({
      recordId: newRecordId(),
      jobId,
      number: n,
      dailyBuildNumber: `20240101.${n}`,
      startTime: t,
      runStartedAt: t + 1000,
      finishedAt: t + 61_000,
      runningStatus: 'Finished',
      state: n % 10 === 0 ? 'FAILURE' : 'SUCCESS',
      triggerType: 'Manual',
      userId: 'u',
      executor: 'bench',
      nickname: 'bench',
      commitId: 'a'.repeat(40),
      commitTime: t - 600_000,
      commitMessage: 'a change',
      buildType: 'branch',
      codeBranch: n % 5 === 0 ? 'feature' : 'main',
      scmType: 'git',
      scmWebUrl: '',
      buildTime: 60_000,
      costTime: 61_000,
      parameters: [],
      requestedCommit: '',
    });
  }
  return out;
}

async function seed(storage: Storage): Promise<string[]> {
  const projectId = await seedProject(storage, await seedDomain(storage, end), 'p', end);
  const jobIds: string[] = [];
  for (let j = 0; j < JOBS; j++) {
    const jobId = await seedJob(storage, projectId, `job-${j}`, end);
    jobIds.push(jobId);
    const builds = history(jobId, j);
    await storage.transaction((tx) => tx.builds.insertMany(builds));
  }
  return jobIds;
}

async function measure(name: string, storage: Storage): Promise<void> {
  const started = Date.now();
  const jobIds = await seed(storage);
  console.log(
    `  ${name}: ${JOBS} jobs × ${PER_JOB.toLocaleString()} builds seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (storage.dialect === 'postgres') await sql`analyze`.execute((storage as SqlStorage).db);
  const one = { jobId: jobIds[0] as string, from: 0, to: end + DAY };
  const all = { jobIds, from: 0, to: end + DAY };
  const base = median(await timeEach(RUNS, () => storage.builds.pageInWindow(one, 0, 10)));
  report(`${name}: one job's first page of 10 (baseline)`, fmt(base), '');
  for (const limit of [10, 100]) {
    let first = 0;
    for (const [where, offset] of [
      ['first page', 0],
      ['middle', Math.floor(TOTAL / 2)],
      ['last page', TOTAL - limit],
    ] as const) {
      const ms = median(
        await timeEach(RUNS, async () =>
          storage.builds.jobsPage(all, await storage.builds.indexWindow(all), offset, limit),
        ),
      );
      const index = await storage.builds.indexWindow(all);
      const kept = median(await timeEach(RUNS, () => storage.builds.jobsPage(all, index, offset, limit)));
      if (offset === 0) first = ms;
      report(
        `${name}: project, ${where} of ${limit} (offset ${offset.toLocaleString()})`,
        fmt(ms),
        `x${(ms / base).toFixed(1)} of baseline; x${(ms / first).toFixed(2)} of its first page`,
      );
      report(
        `${name}:   the same with the window's index kept (the server keeps it)`,
        fmt(kept),
        `x${(kept / base).toFixed(1)} of baseline`,
      );
    }
  }
  const filtered = median(
    await timeEach(5, () => storage.builds.filteredPage(all, { branches: ['feature'] }, 0, 10), 1),
  );
  report(
    `${name}: project, first page of a branch filter`,
    fmt(filtered),
    `x${(filtered / base).toFixed(1)} of baseline (a filter reads the window's builds)`,
  );
}

await onEachStore(measure);
