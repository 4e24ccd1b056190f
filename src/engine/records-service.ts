import type { Build } from '../domain/build.ts';
import type { RecordFilter } from '../domain/record-filter.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import { HEALTH_WINDOW, healthScore } from '../domain/health.ts';
import type { Principal } from '../domain/identity.ts';
import { nextDayStart, parseDate, parseWallClock } from '../domain/time.ts';
import type { BuildWindow, JobRecord, RecordEntry, Storage, WindowIndex } from '../storage/ports.ts';
import { requireJob } from './access.ts';
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

/** Pages kept for reuse (a page of 100 records is ~100 KB here). */
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
  /** Settled pages by job, history version, window and position. */
  private readonly pages = new LruCache<string, RecordsPage>(CACHED_PAGES);
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
    if (end < from) throw invalidParam('end_time must not be before start_time');
    const { job } = await requireJob(this.storage, caller, jobId, 'view');

    // The job's records version changes with every build added or finishing (storage keeps it),
    // on whichever server: a settled page under the same version is still exact.
    const key = `${jobId}/${job.recordsVersion}/${from}/${end}/${q.pageIndex}/${q.pageSize}`;
    const cached = this.pages.get(key);
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
    if (page.settled) this.pages.set(key, page);
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

  /** ShowJobTotal: how many builds of the job started in the window (a count of days, flat). */
  async total(caller: Principal, jobId: string, fromDate?: string, toDate?: string): Promise<number> {
    const window = this.dateWindow(jobId, fromDate, toDate);
    await requireJob(this.storage, caller, jobId, 'view');
    return this.storage.builds.countInWindow(window);
  }

  /**
   * ListRecords: a page of a job's builds between two dates, newest first, narrowed by triggers,
   * branches and tags. Without a filter the window's index pages it (cost flat at any depth, as
   * the seed endpoint's); with one, the store filters the window's builds.
   */
  async filtered(
    caller: Principal,
    jobId: string,
    q: { page: number; limit: number; fromDate?: string; toDate?: string; filter: RecordFilter },
  ): Promise<{ job: JobRecord; builds: Build[]; total: number }> {
    const window = this.dateWindow(jobId, q.fromDate, q.toDate);
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    const offset = q.page * q.limit;
    const { triggerTypes, branches, tags } = q.filter;
    if (triggerTypes?.length || branches?.length || tags?.length)
      return { job, ...(await this.storage.builds.filteredPage(window, q.filter, offset, q.limit)) };
    const index = await this.storage.builds.indexWindow(window);
    const builds =
      offset < index.total ? await this.storage.builds.pageAt(window, await index.seek(offset), q.limit) : [];
    return { job, builds, total: index.total };
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
