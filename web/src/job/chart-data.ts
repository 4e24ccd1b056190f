import type { BuildInfoRecord } from '../../../src/contract/records.ts';
import { isFinished, statusOf } from '../lib/build-status.ts';

/**
 * What the job page's charts draw, computed from the records of a window (newest first, as the API
 * returns them). uPlot wants columns with x ascending, times in seconds.
 */

/** Build duration per finished build; `failed` repeats the duration of failed builds (marks them). */
export interface DurationSeries {
  x: number[];
  duration: number[];
  failed: (number | null)[];
  numbers: number[];
}

/** One point per finished build, oldest first. */
export function durationSeries(records: readonly BuildInfoRecord[]): DurationSeries {
  const out: DurationSeries = { x: [], duration: [], failed: [], numbers: [] };
  const finished = records
    .filter((r) => isFinished(statusOf(r.job_running_status, r.state)))
    .sort((a, b) => a.start_time - b.start_time || a.number - b.number);
  for (const r of finished) {
    const s = statusOf(r.job_running_status, r.state);
    const seconds = r.build_time / 1000;
    out.x.push(r.start_time / 1000);
    out.duration.push(seconds);
    out.failed.push(s === 'failure' || s === 'timeout' ? seconds : null);
    out.numbers.push(r.number);
  }
  return out;
}

/** Builds and success rate per day of the viewer's calendar. */
export interface DailySeries {
  /** Local midnight of each day, in seconds. */
  days: number[];
  builds: number[];
  /**
   * Percent of the day's builds with an outcome (SUCCESS, FAILURE, timeout) that succeeded, as the
   * success-ratio API counts them (aborted ones count neither way); null when there are none.
   */
  rate: (number | null)[];
}

function localMidnight(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

function nextDay(midnightMs: number): number {
  const d = new Date(midnightMs);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
}

/** Most days a daily chart spans; a longer custom window is drawn from its newest days. */
export const MAX_DAYS = 3660;

/** Every day from `from` to `to` (epoch ms), with the records counted on their start day. */
export function dailySeries(records: readonly BuildInfoRecord[], from: number, to: number): DailySeries {
  const counts = new Map<number, { builds: number; counted: number; success: number }>();
  for (const r of records) {
    const day = localMidnight(r.start_time);
    const c = counts.get(day) ?? { builds: 0, counted: 0, success: 0 };
    const s = statusOf(r.job_running_status, r.state);
    c.builds++;
    if (isFinished(s) && s !== 'aborted') c.counted++;
    if (s === 'success') c.success++;
    counts.set(day, c);
  }
  const out: DailySeries = { days: [], builds: [], rate: [] };
  const last = localMidnight(to);
  let day = Math.max(localMidnight(from), last - MAX_DAYS * 86_400_000);
  for (; day <= last; day = nextDay(day)) {
    const c = counts.get(day);
    out.days.push(day / 1000);
    out.builds.push(c?.builds ?? 0);
    out.rate.push(c && c.counted > 0 ? Math.round((1000 * c.success) / c.counted) / 10 : null);
  }
  return out;
}

/**
 * The x range of a time chart (seconds) with room for what is drawn at its ends: `pad` each side
 * (half a day for per-day bars, so the first and last bars are drawn whole). A lone point gets an
 * hour each side: uPlot's own guess for one point in seconds is 86,400,000 s (it means a day in
 * milliseconds), an axis running for years.
 */
export function paddedTimeRange(
  xs: ArrayLike<number | null | undefined>,
  min: number,
  max: number,
  pad: number,
): [number, number] {
  if (xs.length === 1) {
    const at = xs[0] ?? min;
    return [at - Math.max(pad, 3600), at + Math.max(pad, 3600)];
  }
  return [min - pad, max + pad];
}
