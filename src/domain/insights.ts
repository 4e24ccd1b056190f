import type { Build } from './build.ts';
import { dayStart, formatWallClock, nextDayStart } from './time.ts';

/**
 * What a job's build history says beyond its records (Kiln's own insight, no CodeArts operation):
 * flaky commits, the delivery measures a build service can know (DORA's, as far as builds tell
 * them), and build times, per week. Computed from the builds of the window alone.
 */

/** A commit built more than once in the window with different outcomes. */
export interface FlakyCommit {
  /** Which of the window's jobs built it (an index into them). */
  job: number;
  commitId: string;
  builds: { number: number; state: string; startTime: number }[];
}

/** One week (Monday to Sunday, server zone) of delivery measures. */
export interface WeekInsight {
  /** yyyy-MM-dd of its Monday. */
  week: string;
  /** Builds started in the week. */
  builds: number;
  /** Finished builds of the jobs' branches with an outcome (SUCCESS, FAILURE, timeout). */
  defaultBranchBuilds: number;
  /** Of those, the failed ones (FAILURE, timeout). */
  defaultBranchFailures: number;
  /** failures / builds of the default branch, 0..1 (0 without builds). */
  changeFailureRate: number;
  /**
   * Mean ms from the end of a failure that turned a job's branch red (in this week) to the end of
   * the success that turned it green; null if none.
   */
  timeToRestoreMs: number | null;
  /** Median ms from a commit's time to the end of its first successful branch build; null if none. */
  leadTimeMs: number | null;
  /** Build time (ms) percentiles of the week's finished builds; null without any. */
  durationP50Ms: number | null;
  durationP90Ms: number | null;
}

/** How a build ended, of the outcomes that count ('' while it runs, and when it was aborted). */
export type InsightOutcome = '' | 'SUCCESS' | 'FAILURE' | 'timeout';

/** What the insights read of a build (BuildStore.insightRows; `insightBuildOf` for a Build). */
export interface InsightBuild {
  /** Which of the window's jobs it is of (an index into them; 0 for one job's insights). */
  job: number;
  number: number;
  startTime: number;
  finishedAt: number | null;
  outcome: InsightOutcome;
  /** Of its job's branch (the one delivery measures count; every build, when the job names none). */
  onBranch: boolean;
  commitId: string;
  commitTime: number | null;
  buildTime: number | null;
}

/** A build as the insights read it; `branch` is its job's ('' : every branch counts). */
export function insightBuildOf(b: Build, branch: string, job = 0): InsightBuild {
  const counted = b.runningStatus === 'Finished' && (COUNTED as Set<string>).has(b.state);
  return {
    job,
    number: b.number,
    startTime: b.startTime,
    finishedAt: b.finishedAt,
    outcome: counted ? (b.state as InsightOutcome) : '',
    onBranch: branch === '' || (b.buildType === 'branch' && b.codeBranch === branch),
    commitId: b.commitId,
    commitTime: b.commitTime,
    buildTime: b.buildTime,
  };
}

/** Outcomes by their code in InsightColumns (0: none). */
export const OUTCOME_CODES: readonly InsightOutcome[] = ['', 'SUCCESS', 'FAILURE', 'timeout'];

/**
 * A window's builds as the insights read them, a column each (in any order; the store's usually
 * newest first): 80,000 builds as a few typed arrays rather than 80,000 objects, which cost more
 * to make and collect than the measures themselves. Nulls are NaN.
 */
export interface InsightColumns {
  length: number;
  job: Uint32Array;
  number: Float64Array;
  startTime: Float64Array;
  finishedAt: Float64Array;
  /** An index into OUTCOME_CODES. */
  outcome: Uint8Array;
  /** 1 when of its job's branch. */
  onBranch: Uint8Array;
  buildTime: Float64Array;
  commitTime: Float64Array;
  commitId: string[];
}

/** Empty columns for `length` builds. */
export function insightColumns(length: number): InsightColumns {
  return {
    length,
    job: new Uint32Array(length),
    number: new Float64Array(length),
    startTime: new Float64Array(length),
    finishedAt: new Float64Array(length),
    outcome: new Uint8Array(length),
    onBranch: new Uint8Array(length),
    buildTime: new Float64Array(length),
    commitTime: new Float64Array(length),
    commitId: new Array<string>(length).fill(''),
  };
}

/** Builds as columns (tests, and whoever has InsightBuilds). */
export function columnsOf(builds: readonly InsightBuild[]): InsightColumns {
  const c = insightColumns(builds.length);
  builds.forEach((b, i) => {
    c.job[i] = b.job;
    c.number[i] = b.number;
    c.startTime[i] = b.startTime;
    c.finishedAt[i] = b.finishedAt ?? NaN;
    c.outcome[i] = OUTCOME_CODES.indexOf(b.outcome);
    c.onBranch[i] = b.onBranch ? 1 : 0;
    c.buildTime[i] = b.buildTime ?? NaN;
    c.commitTime[i] = b.commitTime ?? NaN;
    c.commitId[i] = b.commitId;
  });
  return c;
}

export interface Insights {
  flaky: FlakyCommit[];
  weeks: WeekInsight[];
}

/** How many flaky commits an answer lists (the latest built). */
export const MAX_FLAKY = 100;

const COUNTED: ReadonlySet<InsightOutcome> = new Set(['SUCCESS', 'FAILURE', 'timeout']);

/** The value at `p` (0..1) of sorted numbers (nearest rank); null when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
}

/** The Monday 00:00 (server zone) of the week holding `epochMs`. */
export function weekStart(epochMs: number, zone: string): number {
  let day = dayStart(epochMs, zone);
  // 1970-01-05 was a Monday: count whole days from a known Monday in the zone's wall clock.
  for (let i = 0; i < 7 && new Date(formatWallClock(day, zone).slice(0, 10)).getUTCDay() !== 1; i++)
    day = dayStart(day - 1, zone);
  return day;
}

const SUCCESS = 1;
/** FAILURE (2) and timeout (3). */
const failed = (outcome: number) => outcome >= 2;
/** A commit's bits: built with success, with failure, its lead time counted. */
const SUCCEEDED = 1;
const FAILED = 2;
const BOTH = SUCCEEDED | FAILED;
const LEAD_COUNTED = 4;

/**
 * The insights of the builds in `c` (any order, of one job or several) started in [from, to). A
 * job's red spells and a commit's builds are followed job by job; the weeks sum every job's.
 */
export function insightsOf(c: InsightColumns, window: { from: number; to: number }, zone: string): Insights {
  // Oldest first. The store usually gives the newest first, so read backwards they are in order
  // already: a linear check spares the sort then.
  const order = new Uint32Array(c.length);
  for (let k = 0; k < c.length; k++) order[k] = c.length - 1 - k;
  const before = (a: number, b: number) =>
    (c.startTime[a] as number) - (c.startTime[b] as number) ||
    (c.job[a] as number) - (c.job[b] as number) ||
    (c.number[a] as number) - (c.number[b] as number);
  for (let k = 1; k < c.length; k++)
    if (before(order[k - 1] as number, order[k] as number) > 0) {
      order.sort(before);
      break;
    }
  const { job, number, startTime, finishedAt, outcome, onBranch, buildTime, commitTime, commitId } = c;
  /** One map per job: the key of a commit is its id alone, so no key is built per build. */
  const perJob = <T>(maps: Map<number, T>, j: number, make: () => T): T => {
    let m = maps.get(j);
    if (m === undefined) maps.set(j, (m = make()));
    return m;
  };

  // The weeks of the window; builds come oldest first, so each one's week is found by moving on.
  const starts: number[] = [];
  for (let start = weekStart(window.from, zone); start < window.to;) {
    starts.push(start);
    for (let d = 0; d < 7; d++) start = nextDayStart(start, zone);
  }
  const weekOf = (t: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    if (t < (starts[0] ?? 0)) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const acc = starts.map(() => ({
    builds: 0,
    counted: 0,
    failures: 0,
    restored: [] as number[],
    leads: [] as number[],
    times: [] as number[],
  }));
  // Time to restore: from the end of the failure that starts a job's red spell to the end of the
  // success that ends it (never below 0: builds may overlap), in the week that failure started.
  const red = new Map<number, number>();
  // Each commit of each job gets a slot on its first build with an outcome, and each such build
  // its commit's slot (plus one; 0: none): one lookup of the id per build, where the ids are most
  // of the work, and none after. A slot holds what its commit had, as bits: a success, a failure
  // (both: flaky), and whether its lead time (to the end of its first successful build of its
  // job's branch) was counted.
  const slotsOf = new Map<number, Map<string, number>>();
  const slotOfBuild = new Uint32Array(c.length);
  const had = new Uint8Array(c.length);
  let slots = 0;
  let flakyCommits = 0;
  let week = -1;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    const t = startTime[i] as number;
    while (week + 1 < starts.length && (starts[week + 1] as number) <= t) week++;
    const w = acc[week];
    const o = outcome[i] as number;
    if (w) {
      w.builds++;
      // Build times of builds with an outcome: a stopped build's time says nothing of the build.
      if (o !== 0 && !Number.isNaN(buildTime[i])) w.times.push(buildTime[i] as number);
    }
    if (o === 0) continue;
    const j = job[i] as number;
    const end = finishedAt[i] as number;
    const counted = onBranch[i] === 1 && !Number.isNaN(end);
    if (counted) {
      if (w) {
        w.counted++;
        if (failed(o)) w.failures++;
      }
      const spell = red.get(j);
      if (failed(o)) {
        if (spell === undefined) red.set(j, i);
      } else if (spell !== undefined) {
        acc[weekOf(startTime[spell] as number)]?.restored.push(
          Math.max(0, end - (finishedAt[spell] as number)),
        );
        red.delete(j);
      }
    }
    const id = commitId[i] as string;
    if (id === '') continue;
    const commits = perJob(slotsOf, j, () => new Map<string, number>());
    let slot = commits.get(id);
    if (slot === undefined) commits.set(id, (slot = slots++));
    slotOfBuild[i] = slot + 1;
    const before = had[slot] as number;
    let has = before | (o === SUCCESS ? SUCCEEDED : FAILED);
    const committed = commitTime[i] as number;
    if (counted && o === SUCCESS && !Number.isNaN(committed) && (before & LEAD_COUNTED) === 0) {
      has |= LEAD_COUNTED;
      acc[weekOf(end)]?.leads.push(Math.max(0, end - committed));
    }
    had[slot] = has;
    if ((has & BOTH) === BOTH && (before & BOTH) !== BOTH) flakyCommits++;
  }

  // Flaky commits: those that both succeeded and failed, the latest built first (the order their
  // last builds come in, newest first), each with its builds oldest first. Only the MAX_FLAKY
  // listed are made.
  const flaky: FlakyCommit[] = [];
  if (flakyCommits > 0) {
    const listed = new Map<number, FlakyCommit>();
    for (let k = order.length - 1; k >= 0; k--) {
      const i = order[k] as number;
      const slot = (slotOfBuild[i] as number) - 1;
      if (slot < 0 || ((had[slot] as number) & BOTH) !== BOTH) continue;
      let f = listed.get(slot);
      if (!f) {
        if (flaky.length === MAX_FLAKY) continue;
        f = { job: job[i] as number, commitId: commitId[i] as string, builds: [] };
        listed.set(slot, f);
        flaky.push(f);
      }
      f.builds.push({
        number: number[i] as number,
        state: OUTCOME_CODES[outcome[i] as number] as string,
        startTime: startTime[i] as number,
      });
    }
    for (const f of flaky) f.builds.reverse();
  }

  const weeks: WeekInsight[] = acc.map((w, i) => {
    // Typed arrays sort numbers without a comparator call per comparison (several times faster).
    const times = Float64Array.from(w.times).sort();
    return {
      week: formatWallClock(starts[i] as number, zone).slice(0, 10),
      builds: w.builds,
      defaultBranchBuilds: w.counted,
      defaultBranchFailures: w.failures,
      changeFailureRate: w.counted === 0 ? 0 : Math.round((w.failures / w.counted) * 1000) / 1000,
      timeToRestoreMs:
        w.restored.length === 0
          ? null
          : Math.round(w.restored.reduce((a, x) => a + x, 0) / w.restored.length),
      leadTimeMs: percentile(Float64Array.from(w.leads).sort(), 0.5),
      durationP50Ms: percentile(times, 0.5),
      durationP90Ms: percentile(times, 0.9),
    };
  });
  return { flaky, weeks };
}

/** How many builds of a window the slowest stages are read from (the latest). */
export const STAGE_BUILDS = 1_000;
/** How many stages an answer lists. */
export const MAX_STAGES = 10;

/** A step of the window's builds that ran and ended: its job (an index), name and time. */
export interface StageTime {
  job: number;
  name: string;
  ms: number;
}

/** A stage (a step, by job and name) of the window's latest builds, with its times. */
export interface SlowStage {
  job: number;
  name: string;
  runs: number;
  p50Ms: number;
  p90Ms: number;
  maxMs: number;
}

/** The stages with the longest median time, slowest first, at most MAX_STAGES. */
export function slowestStages(times: readonly StageTime[]): SlowStage[] {
  const byStage = new Map<number, Map<string, number[]>>();
  for (const t of times) {
    let names = byStage.get(t.job);
    if (!names) byStage.set(t.job, (names = new Map()));
    const list = names.get(t.name);
    if (list) list.push(t.ms);
    else names.set(t.name, [t.ms]);
  }
  const stages: SlowStage[] = [];
  for (const [job, names] of byStage)
    for (const [name, list] of names) {
      list.sort((a, b) => a - b);
      stages.push({
        job,
        name,
        runs: list.length,
        p50Ms: percentile(list, 0.5) ?? 0,
        p90Ms: percentile(list, 0.9) ?? 0,
        maxMs: list[list.length - 1] ?? 0,
      });
    }
  stages.sort((a, b) => b.p50Ms - a.p50Ms || b.maxMs - a.maxMs || a.name.localeCompare(b.name));
  return stages.slice(0, MAX_STAGES);
}
