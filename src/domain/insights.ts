import type { Build } from './build.ts';
import { dayStart, formatWallClock, nextDayStart } from './time.ts';

/**
 * What a job's build history says beyond its records (Kiln's own insight, no CodeArts operation):
 * flaky commits, the delivery measures a build service can know (DORA's, as far as builds tell
 * them), and build times, per week. Computed from the builds of the window alone.
 */

/** A commit built more than once in the window with different outcomes. */
export interface FlakyCommit {
  commitId: string;
  builds: { number: number; state: string; startTime: number }[];
}

/** One week (Monday to Sunday, server zone) of delivery measures. */
export interface WeekInsight {
  /** yyyy-MM-dd of its Monday. */
  week: string;
  /** Builds started in the week. */
  builds: number;
  /** Finished builds of the default branch with an outcome (SUCCESS, FAILURE, timeout). */
  defaultBranchBuilds: number;
  /** Of those, the failed ones (FAILURE, timeout). */
  defaultBranchFailures: number;
  /** failures / builds of the default branch, 0..1 (0 without builds). */
  changeFailureRate: number;
  /**
   * Mean ms from the end of a failure that turned the default branch red (in this week) to the end
   * of the success that turned it green; null if none.
   */
  timeToRestoreMs: number | null;
  /** Median ms from a commit's time to the end of its first successful default-branch build; null if none. */
  leadTimeMs: number | null;
  /** Build time (ms) percentiles of the week's finished builds; null without any. */
  durationP50Ms: number | null;
  durationP90Ms: number | null;
}

/** What the insights read of a build. */
export type InsightBuild = Pick<
  Build,
  | 'number'
  | 'startTime'
  | 'finishedAt'
  | 'runningStatus'
  | 'state'
  | 'commitId'
  | 'commitTime'
  | 'buildType'
  | 'codeBranch'
  | 'buildTime'
>;

export interface Insights {
  flaky: FlakyCommit[];
  weeks: WeekInsight[];
}

/** How many flaky commits an answer lists (the latest built). */
export const MAX_FLAKY = 100;

const FAILED = new Set(['FAILURE', 'timeout']);
const COUNTED = new Set(['SUCCESS', 'FAILURE', 'timeout']);

/** The value at `p` (0..1) of sorted numbers (nearest rank); null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
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

/**
 * The insights of `builds` (any order) started in [from, to), the default branch being
 * `defaultBranch` ('' : every branch counts as it).
 */
export function insightsOf(
  builds: readonly InsightBuild[],
  window: { from: number; to: number },
  defaultBranch: string,
  zone: string,
): Insights {
  // Oldest first. The store gives the newest first, so reversed they usually are in order already:
  // a linear check spares the sort then.
  const ordered = [...builds].reverse();
  const before = (a: InsightBuild, b: InsightBuild) => a.startTime - b.startTime || a.number - b.number;
  if (ordered.some((b, i) => i > 0 && before(ordered[i - 1] as InsightBuild, b) > 0)) ordered.sort(before);

  const byCommit = new Map<string, InsightBuild[]>();
  for (const b of ordered) {
    if (b.commitId === '' || b.runningStatus !== 'Finished' || !COUNTED.has(b.state)) continue;
    const list = byCommit.get(b.commitId);
    if (list) list.push(b);
    else byCommit.set(b.commitId, [b]);
  }
  const flaky: FlakyCommit[] = [];
  for (const [commitId, list] of byCommit) {
    if (list.some((b) => b.state === 'SUCCESS') && list.some((b) => FAILED.has(b.state)))
      flaky.push({
        commitId,
        builds: list.map((b) => ({ number: b.number, state: b.state, startTime: b.startTime })),
      });
  }
  // The latest built first, at most MAX_FLAKY.
  const lastBuilt = (f: FlakyCommit) => f.builds[f.builds.length - 1]?.startTime ?? 0;
  flaky.sort((a, b) => lastBuilt(b) - lastBuilt(a));
  flaky.splice(MAX_FLAKY);

  const onDefault = (b: InsightBuild) =>
    defaultBranch === '' || (b.buildType === 'branch' && b.codeBranch === defaultBranch);
  const finishedDefault = ordered.filter(
    (b) => onDefault(b) && b.runningStatus === 'Finished' && COUNTED.has(b.state) && b.finishedAt !== null,
  );
  // Time to restore: from the end of the failure that starts a red spell to the end of the success
  // that ends it (never below 0: builds may overlap), in the week that failure started.
  const restores: { at: number; ms: number }[] = [];
  let red: InsightBuild | null = null;
  for (const b of finishedDefault) {
    if (FAILED.has(b.state)) red ??= b;
    else if (red !== null) {
      restores.push({
        at: red.startTime,
        ms: Math.max(0, (b.finishedAt as number) - (red.finishedAt as number)),
      });
      red = null;
    }
  }
  // Lead time: a commit's time to the end of its first successful build of the default branch.
  const firstSuccess = new Map<string, InsightBuild>();
  for (const b of finishedDefault)
    if (
      b.state === 'SUCCESS' &&
      b.commitTime !== null &&
      b.finishedAt !== null &&
      !firstSuccess.has(b.commitId)
    )
      firstSuccess.set(b.commitId, b);

  // The weeks of the window, then each build put in its week once (a binary search): linear in
  // the builds, whatever the number of weeks.
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
  for (const b of ordered) {
    const w = acc[weekOf(b.startTime)];
    if (!w) continue;
    w.builds++;
    // Build times of builds with an outcome: a stopped build's time says nothing of the build.
    if (b.runningStatus === 'Finished' && COUNTED.has(b.state) && b.buildTime !== null)
      w.times.push(b.buildTime);
  }
  for (const b of finishedDefault) {
    const w = acc[weekOf(b.startTime)];
    if (!w) continue;
    w.counted++;
    if (FAILED.has(b.state)) w.failures++;
  }
  for (const r of restores) acc[weekOf(r.at)]?.restored.push(r.ms);
  for (const b of firstSuccess.values())
    acc[weekOf(b.finishedAt as number)]?.leads.push(
      Math.max(0, (b.finishedAt as number) - (b.commitTime as number)),
    );

  const weeks: WeekInsight[] = acc.map((w, i) => {
    const times = w.times.sort((x, y) => x - y);
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
      leadTimeMs: percentile(
        w.leads.sort((x, y) => x - y),
        0.5,
      ),
      durationP50Ms: percentile(times, 0.5),
      durationP90Ms: percentile(times, 0.9),
    };
  });
  return { flaky, weeks };
}
