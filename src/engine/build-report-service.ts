import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import { repositoryNameOf } from '../domain/scm.ts';
import { dayStart, formatWallClock, nextDayStart } from '../domain/time.ts';
import type { JobRecord, Storage } from '../storage/ports.ts';
import { requireJob } from './access.ts';
import { storedJobDocument } from './stored-secrets.ts';

/** The most builds a report over an interval reads (the latest of the interval). */
export const REPORT_BUILDS = 10_000;
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
   * ShowJobSuccessRatio) succeeded, in all and per day.
   */
  async successRatio(caller: Principal, jobId: string, repository: string, branch: string, days: number) {
    const { builds, window } = await this.interval(caller, jobId, repository, branch, days);
    const counted = builds.filter(
      (b) => b.state === 'SUCCESS' || b.state === 'FAILURE' || b.state === 'timeout',
    );
    const perDay: DayRatio[] = [];
    for (let day = window.from; day < window.to; day = nextDayStart(day, this.timeZone)) {
      const next = nextDayStart(day, this.timeZone);
      const ofDay = counted.filter((b) => b.startTime >= day && b.startTime < next);
      const ok = ofDay.filter((b) => b.state === 'SUCCESS').length;
      perDay.push({
        date: formatWallClock(day, this.timeZone).slice(0, 10),
        ratio: ofDay.length === 0 ? 0 : Math.round((ok / ofDay.length) * 100),
      });
    }
    const success = counted.filter((b) => b.state === 'SUCCESS').length;
    return { success, total: counted.length, perDay };
  }

  /** ShowJobBuildTime: the finished builds of the last `days` days, oldest first, and their times. */
  async buildTimes(caller: Principal, jobId: string, repository: string, branch: string, days: number) {
    const { builds } = await this.interval(caller, jobId, repository, branch, days);
    const finished = builds.filter((b) => b.runningStatus === 'Finished' && b.buildTime !== null).reverse();
    const times = finished.map((b) => b.buildTime as number);
    return {
      builds: finished,
      average: times.length === 0 ? 0 : times.reduce((a, t) => a + t, 0) / times.length,
      max: times.length === 0 ? 0 : Math.max(...times),
      min: times.length === 0 ? 0 : Math.min(...times),
    };
  }

  /** The job's builds of the last `days` days (the latest REPORT_BUILDS), of `branch` when given. */
  private async interval(caller: Principal, jobId: string, repository: string, branch: string, days: number) {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    requireRepository(job, repository);
    const now = this.clock.now();
    let from = dayStart(now, this.timeZone);
    for (let d = 1; d < days; d++) from = dayStart(from - 1, this.timeZone);
    const window = { jobId: job.id, from, to: nextDayStart(now, this.timeZone) };
    const { builds } = await this.storage.builds.filteredPage(
      window,
      branch === '' ? {} : { branches: [branch] },
      0,
      REPORT_BUILDS,
    );
    return { builds, window };
  }
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
