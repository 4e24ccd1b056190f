import { createHash } from 'node:crypto';
import type { Build } from '../domain/build.ts';
import type { RecordFilter } from '../domain/record-filter.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import { HEALTH_WINDOW, healthScore } from '../domain/health.ts';
import type { Principal } from '../domain/identity.ts';
import { formatWallClock, nextDayStart, parseDate, parseWallClock } from '../domain/time.ts';
import type {
  BuildWindow,
  JobRecord,
  JobsWindow,
  RecordEntry,
  Storage,
  WindowIndex,
} from '../storage/ports.ts';
import { requireJob, requireProject, viewerOf } from './access.ts';
import { AdmittingCache } from '../domain/admitting-cache.ts';
import { LruCache } from '../domain/lru-cache.ts';

/** Later than any build's start: the open end of a window. */
const FAR_FUTURE = Date.UTC(9999, 0, 1);

/** A page of a job's build history (ListBuildInfoRecord). */
export interface RecordsPage {
  healthScore: number;
  pageIndex: number;
  totalPage: number;
  totalRecord: number;
  /**
   * The page's builds, newest first: finished builds as the records the store keeps (JSON texts,
   * `RecordRenderer`; one text may hold several, comma-joined), the others as builds.
   */
  records: RecordEntry[];
  /**
   * True when the page holds only finished builds: it then reads the same until the job's history
   * changes, and the same object is handed out again (callers may memoise work on it).
   */
  settled: boolean;
}

/** Pages kept for reuse (a page of 100 records is ~60 KB here). */
const CACHED_PAGES = 64;
/** Windows whose index is kept (3 years: 35 blocks, and the days of the blocks paged into). */
const CACHED_WINDOWS = 64;

/** What every page of a window shares while the job's history reads the same. */
interface WindowFacts {
  index: WindowIndex;
  health: number;
}

/** What the records query asks for, as received (times still text). */
export interface RecordsQuery {
  startTime: string;
  endTime: string;
  pageIndex: number;
  pageSize: number;
}

/** Reading build history: the records pages, one record, the success ratio. */
export class RecordsService {
  /**
   * Settled pages by job, window and position, under the job's history version; a page asked for
   * once does not displace one asked for often (see AdmittingCache).
   */
  private readonly pages = new AdmittingCache<RecordsPage>(CACHED_PAGES);
  /** Window indexes and health by job, history version and window. */
  private readonly windows = new LruCache<string, WindowFacts>(CACHED_WINDOWS);

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly timeZone: string,
  ) {}

  /** Current health of a job (the same on every page). */
  async health(jobId: string): Promise<number> {
    return healthScore(await this.storage.builds.latestCountedStates(jobId, HEALTH_WINDOW));
  }

  /**
   * Why a window written in order is out of order as instants: a time the clocks skip (DST
   * starts) is read forward by the jump, past a later time of the same hour. '' otherwise.
   */
  private skipped(q: RecordsQuery, from: number, end: number): string {
    if (q.endTime < q.startTime) return '';
    const moved = [
      ['start_time', q.startTime, from],
      ['end_time', q.endTime, end],
    ] as const;
    const [name, text, at] = moved.find(([, t, i]) => formatWallClock(i, this.timeZone) !== t) ?? [];
    return name
      ? ` (${name} ${text} does not exist in ${this.timeZone}: the clocks skip it; it is read as ${formatWallClock(at, this.timeZone)})`
      : '';
  }

  /**
   * The window is inclusive at both ends at second resolution, in the server's time zone:
   * start_time <= build.start_time < end_time + 1 s. The query is checked before the job is looked
   * up, so a bad query is a 400 whether or not the job exists.
   */
  async list(caller: Principal, jobId: string, q: RecordsQuery): Promise<RecordsPage> {
    const from = parseWallClock(q.startTime, this.timeZone);
    if (from === undefined)
      throw invalidParam(`start_time "${q.startTime}" is not a real time in the format yyyy-MM-dd HH:mm:ss`);
    const end = parseWallClock(q.endTime, this.timeZone);
    if (end === undefined)
      throw invalidParam(`end_time "${q.endTime}" is not a real time in the format yyyy-MM-dd HH:mm:ss`);
    if (end < from) throw invalidParam(`end_time must not be before start_time${this.skipped(q, from, end)}`);
    const { job } = await requireJob(this.storage, caller, jobId, 'view');

    // The job's records version changes with every build added or finishing (storage keeps it),
    // on whichever server: a settled page under the same version is still exact.
    const slot = `${jobId}/${from}/${end}/${q.pageIndex}/${q.pageSize}`;
    const cached = this.pages.get(slot, job.recordsVersion);
    if (cached) return cached;

    const window = { jobId, from, to: end + 1000 };
    const { index, health } = await this.windowOf(window, job.recordsVersion);
    const offset = q.pageIndex * q.pageSize;
    const records =
      offset < index.total
        ? await this.storage.builds.recordsAt(window, await index.seek(offset), q.pageSize)
        : [];
    const page: RecordsPage = {
      healthScore: health,
      pageIndex: q.pageIndex,
      totalPage: Math.ceil(index.total / q.pageSize),
      totalRecord: index.total,
      records,
      settled: records.every((r) => typeof r === 'string' || r.runningStatus === 'Finished'),
    };
    if (page.settled) this.pages.set(slot, job.recordsVersion, page);
    return page;
  }

  /**
   * The window's index and the job's health, both fixed while the job's records version is: read
   * once per version (two statements; the index reads the days of a block of 32 days once, when a
   * page first lands in it), then a page of the window costs only its own query.
   */
  private async windowOf(window: BuildWindow, version: number): Promise<WindowFacts> {
    const key = `${window.jobId}/${version}/${window.from}/${window.to}`;
    const known = this.windows.get(key);
    if (known) return known;
    const [index, health] = await Promise.all([
      this.storage.builds.indexWindow(window),
      this.health(window.jobId),
    ]);
    const facts = { index, health };
    this.windows.set(key, facts);
    return facts;
  }

  /**
   * The index of a project's window, kept while its jobs (those the caller may view) and each
   * one's records version read the same: summing the jobs' days is most of a page's cost.
   */
  private async projectIndex(window: JobsWindow, jobs: readonly JobRecord[]): Promise<WindowIndex> {
    const versions = jobs.map((j) => `${j.id}:${j.recordsVersion}`).sort();
    const digest = createHash('sha256').update(versions.join(',')).digest('base64url');
    const key = `project/${digest}/${window.from}/${window.to}`;
    const known = this.windows.get(key);
    if (known) return known.index;
    const index = await this.storage.builds.indexWindow(window);
    this.windows.set(key, { index, health: 0 });
    return index;
  }

  /**
   * A window of days from two optional dates (server zone, both days whole): `yyyy-MM-dd`, or
   * `yyyy-MM-dd HH:mm:ss` for an exact instant; an open end reaches all the history.
   */
  private dateWindow(jobId: string, fromDate: string | undefined, toDate: string | undefined): BuildWindow {
    const at = (name: string, text: string, endOfDay: boolean): number => {
      const instant = parseWallClock(text, this.timeZone);
      if (instant !== undefined) return endOfDay ? instant + 1000 : instant;
      const day = parseDate(text, this.timeZone);
      if (day === undefined)
        throw invalidParam(`${name} "${text}" is not a date (yyyy-MM-dd) or a time (yyyy-MM-dd HH:mm:ss)`);
      return endOfDay ? nextDayStart(day, this.timeZone) : day;
    };
    const from = fromDate ? at('from_date', fromDate, false) : 0;
    const to = toDate ? at('to_date', toDate, true) : FAR_FUTURE;
    if (to <= from) throw invalidParam('to_date must not be before from_date');
    return { jobId, from, to };
  }

  /**
   * The jobs a `build_project_id` names (ListRecords, ShowJobTotal): a job, or a project and then
   * its live jobs the caller may view (CodeArts' build projects hold many jobs; Kiln's projects do).
   */
  private async buildProject(
    caller: Principal,
    id: string,
  ): Promise<{ project: boolean; jobs: JobRecord[] }> {
    try {
      return { project: false, jobs: [(await requireJob(this.storage, caller, id, 'view')).job] };
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'JOB_NOT_FOUND')) throw error;
    }
    try {
      await requireProject(this.storage, caller, id, 'read');
    } catch (error) {
      if (error instanceof AppError && error.code === 'PROJECT_NOT_FOUND')
        throw new AppError('JOB_NOT_FOUND', `job ${id} not found (nor a project you may see)`);
      throw error;
    }
    return { project: true, jobs: await this.storage.jobs.viewableInProject(id, viewerOf(caller)) };
  }

  /** ShowJobTotal: how many builds of the job (or the project's jobs) started in the window (flat). */
  async total(caller: Principal, id: string, fromDate?: string, toDate?: string): Promise<number> {
    const window = this.dateWindow(id, fromDate, toDate);
    const { project, jobs } = await this.buildProject(caller, id);
    return this.storage.builds.countInWindow(
      project ? { jobIds: jobs.map((j) => j.id), from: window.from, to: window.to } : window,
    );
  }

  /**
   * ListRecords: a page of a job's builds (or of a project's jobs', merged) between two dates,
   * newest first, narrowed by triggers, branches and tags. Without a filter the window's index
   * pages it (cost flat at any depth, as the seed endpoint's); with one, the store filters the
   * window's builds.
   */
  async filtered(
    caller: Principal,
    id: string,
    q: { page: number; limit: number; fromDate?: string; toDate?: string; filter: RecordFilter },
  ): Promise<{ jobs: ReadonlyMap<string, JobRecord>; builds: Build[]; total: number }> {
    const window = this.dateWindow(id, q.fromDate, q.toDate);
    const { project, jobs } = await this.buildProject(caller, id);
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const offset = q.page * q.limit;
    const { triggerTypes, branches, tags } = q.filter;
    const scope = project ? { jobIds: [...byId.keys()], from: window.from, to: window.to } : window;
    if (triggerTypes?.length || branches?.length || tags?.length)
      return { jobs: byId, ...(await this.storage.builds.filteredPage(scope, q.filter, offset, q.limit)) };
    if ('jobIds' in scope) {
      const index = await this.projectIndex(scope, jobs);
      const builds = await this.storage.builds.jobsPage(scope, index, offset, q.limit);
      return { jobs: byId, builds, total: index.total };
    }
    const index = await this.storage.builds.indexWindow(window);
    const builds =
      offset < index.total ? await this.storage.builds.pageAt(window, await index.seek(offset), q.limit) : [];
    return { jobs: byId, builds, total: index.total };
  }

  /** ListBriefRecord: the latest `limit` builds of each job, newest first (all jobs or none). */
  async latestOf(
    caller: Principal,
    jobIds: readonly string[],
    limit: number,
  ): Promise<{ jobId: string; builds: Build[] }[]> {
    const unique = [...new Set(jobIds)];
    for (const id of unique) await requireJob(this.storage, caller, id, 'view');
    return Promise.all(
      unique.map(async (jobId) => ({
        jobId,
        // The newest first straight from the index: no count of the history needed.
        builds:
          limit === 0
            ? []
            : await this.storage.builds.pageAt(
                { jobId, from: 0, to: FAR_FUTURE },
                { below: FAR_FUTURE, skip: 0 },
                limit,
              ),
      })),
    );
  }

  /** One build by number (ShowBuildInfoRecord). */
  async one(caller: Principal, jobId: string, buildNo: number): Promise<Build> {
    await requireJob(this.storage, caller, jobId, 'view');
    const build = await this.storage.builds.findByNumber(jobId, buildNo);
    if (!build) throw new AppError('BUILD_NOT_FOUND', `build ${buildNo} of this job not found`);
    return build;
  }

  /**
   * ShowJobSuccessRatio: builds started between two dates (inclusive days, server zone) that ended
   * SUCCESS, FAILURE or timeout; aborted ones count neither way (docs/api-compat.md says why).
   */
  async successRatio(
    caller: Principal,
    jobId: string,
    startDate: string,
    endDate: string,
  ): Promise<{ success: number; total: number; ratio: number }> {
    const from = parseDate(startDate, this.timeZone);
    if (from === undefined)
      throw invalidParam(`start_time "${startDate}" is not a real date in the format yyyy-MM-dd`);
    const last = parseDate(endDate, this.timeZone);
    if (last === undefined)
      throw invalidParam(`end_time "${endDate}" is not a real date in the format yyyy-MM-dd`);
    if (last < from) throw invalidParam('end_time must not be before start_time');
    await requireJob(this.storage, caller, jobId, 'view');
    const { total, success } = await this.storage.builds.outcomeCounts({
      jobId,
      from,
      to: nextDayStart(last, this.timeZone),
    });
    return { success, total, ratio: total === 0 ? 0 : Math.round((success / total) * 100) / 100 };
  }

  /** Now, for mappers that show running builds' elapsed times. */
  now(): number {
    return this.clock.now();
  }
}
