import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import { repositoryNameOf } from '../domain/scm.ts';
import { dayStart, formatWallClock, nextDayStart } from '../domain/time.ts';
import type { InsightJobs, JobRecord, Storage } from '../storage/ports.ts';
import { requireJob, requireProject, viewerOf } from './access.ts';
import { storedJobDocument } from './stored-secrets.ts';
import { insightsOf, slowestStages, STAGE_BUILDS } from '../domain/insights.ts';

/** The most builds ShowJobBuildTime's chart lists (the latest of the interval). */
export const REPORT_BUILDS = 10_000;
/** The most builds Kiln's insights read of a window (the latest); `complete` says when there were more. */
export const INSIGHT_BUILDS = 100_000;
/** The longest window of the insights, in days. */
export const MAX_INSIGHT_DAYS = 366;

/** The most branch names ListRepoBranch gives. */
export const MAX_BRANCHES = 1_000;

/** A day of the success report: its date and the percentage of its builds with an outcome that succeeded. */
export interface DayRatio {
  date: string;
  ratio: number;
}

/**
 * The reports of a job's build history (CodeArts' build insight): success ratio and build time
 * over the last days, the repositories and branches it built. Kiln's jobs build one repository,
 * the one their document names: a report for another repository is a 404 saying which.
 */
export class BuildReportService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly timeZone: string,
  ) {}

  /** ListRepository: the repository the job's document names (Kiln keeps no other per build). */
  async repositories(caller: Principal, jobId: string): Promise<{ latest: string; repositories: string[] }> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    const name = repositoryOf(job);
    return { latest: name, repositories: name === '' ? [] : [name] };
  }

  /** ListRepoBranch: the branches the job's builds checked out, by name. */
  async branches(caller: Principal, jobId: string, repository: string): Promise<string[]> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    requireRepository(job, repository);
    return this.storage.builds.branchesOf(job.id, MAX_BRANCHES);
  }

  /**
   * ShowJobBuildSuccessRatio: over the last `days` days (today included, server zone), how many of
   * the builds with an outcome (SUCCESS, FAILURE, timeout; aborted ones count neither way, as in
   * ShowJobSuccessRatio) succeeded, in all and per day: one counting query per day, exact.
   */
  async successRatio(caller: Principal, jobId: string, repository: string, branch: string, days: number) {
    const { days: dayWindows, branchFilter } = await this.interval(caller, jobId, repository, branch, days);
    const counts = await Promise.all(
      dayWindows.map((day) => this.storage.builds.outcomeCounts(day, branchFilter)),
    );
    const perDay: DayRatio[] = dayWindows.map((day, i) => {
      const c = counts[i] as { total: number; success: number };
      return {
        date: formatWallClock(day.from, this.timeZone).slice(0, 10),
        ratio: c.total === 0 ? 0 : Math.round((c.success / c.total) * 100),
      };
    });
    const success = counts.reduce((n, c) => n + c.success, 0);
    const total = counts.reduce((n, c) => n + c.total, 0);
    return { success, total, perDay };
  }

  /**
   * ShowJobBuildTime: the build times of the last `days` days' finished builds (exact), and each
   * of them, oldest first (the latest REPORT_BUILDS of the interval).
   */
  async buildTimes(caller: Principal, jobId: string, repository: string, branch: string, days: number) {
    const { window, branchFilter } = await this.interval(caller, jobId, repository, branch, days);
    const [stats, page] = await Promise.all([
      this.storage.builds.buildTimeStats(window, branchFilter),
      this.storage.builds.filteredPage(
        window,
        branchFilter === undefined ? {} : { branches: [branchFilter] },
        0,
        REPORT_BUILDS,
      ),
    ]);
    const finished = page.builds
      .filter((b) => b.runningStatus === 'Finished' && b.buildTime !== null)
      .reverse();
    return { builds: finished, average: stats.average, max: stats.max, min: stats.min };
  }

  /**
   * Kiln's insights of a job over the last `days` days: flaky commits and, per week, delivery
   * measures and build times (domain/insights.ts), from the builds of the window alone.
   */
  async insights(caller: Principal, jobId: string, days: number) {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    const { window } = this.lastDays(job.id, days);
    const defaultBranch = branchOf(job);
    return {
      job,
      window,
      defaultBranch,
      ...(await this.insightsOf({ jobs: [{ id: job.id, branch: defaultBranch }], ...window })),
    };
  }

  /**
   * Kiln's insights of a project over the last `days` days: those of its live jobs the caller may
   * view, taken together (each job's branch counted for its delivery measures, each job's red
   * spells and commits its own), from the latest INSIGHT_BUILDS builds of the window.
   */
  async projectInsights(caller: Principal, projectId: string, days: number) {
    await requireProject(this.storage, caller, projectId, 'read');
    const jobs = await this.storage.jobs.viewableInProject(projectId, viewerOf(caller));
    const { window } = this.lastDays(projectId, days);
    return {
      jobs,
      window,
      ...(await this.insightsOf({ jobs: jobs.map((j) => ({ id: j.id, branch: branchOf(j) })), ...window })),
    };
  }

  /** The insights of the jobs' builds in the window, with the slowest stages of their latest builds. */
  private async insightsOf(w: InsightJobs) {
    const [{ builds, total }, stageTimes] = await Promise.all([
      this.storage.builds.insightRows(w, INSIGHT_BUILDS),
      this.storage.builds.stageTimes(w, STAGE_BUILDS),
    ]);
    return {
      read: builds.length,
      complete: builds.length === total,
      ...insightsOf(builds, w, this.timeZone),
      stages: slowestStages(stageTimes),
    };
  }

  /** The last `days` days (today included, server zone), whole and day by day. */
  private lastDays(jobId: string, days: number) {
    const now = this.clock.now();
    const starts = [dayStart(now, this.timeZone)];
    while (starts.length < days) starts.unshift(dayStart(starts[0]! - 1, this.timeZone));
    return {
      window: { jobId, from: starts[0]!, to: nextDayStart(now, this.timeZone) },
      days: starts.map((from) => ({ jobId, from, to: nextDayStart(from, this.timeZone) })),
    };
  }

  /** The last `days` days (today included, server zone), whole and day by day, checked for the caller. */
  private async interval(caller: Principal, jobId: string, repository: string, branch: string, days: number) {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    requireRepository(job, repository);
    return { ...this.lastDays(job.id, days), branchFilter: branch === '' ? undefined : branch };
  }
}

/** The branch a job builds (its document's first scm's; '' when it names none): delivery measures count it. */
export function branchOf(job: JobRecord): string {
  return storedJobDocument(job.config).scms?.[0]?.branch ?? '';
}

/** The repository a job builds: its scm's `repo_name`, or its URL's last segment ('' without one). */
function repositoryOf(job: JobRecord): string {
  const scm = storedJobDocument(job.config).scms?.[0];
  return scm ? scm.repo_name || repositoryNameOf(scm.url) : '';
}

function requireRepository(job: JobRecord, repository: string): void {
  const own = repositoryOf(job);
  if (repository !== own)
    throw new AppError(
      'NOT_FOUND',
      own === '' ? 'the job builds no repository' : `the job builds repository ${own}, not ${repository}`,
    );
}
