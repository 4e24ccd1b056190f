/**
 * Wall-clock times in a configured IANA time zone, without a date library: the API takes
 * `yyyy-MM-dd HH:mm:ss` in the server's zone, daily build numbers count days in that zone, and
 * commit times are printed in UTC.
 */

/** A day in milliseconds (retention periods count days of 24 hours). */
export const DAY_MS = 86_400_000;
/** The longest a deleted job may stay in the recycle bin, in days (ten years). */
export const MAX_RECYCLE_BIN_DAYS = 3650;

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `zone` is an IANA time zone name this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Calendar fields of an instant as seen in a zone. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock of `epochMs` in `zone`. */
export function wallClockOf(epochMs: number, zone: string): WallClock {
  if (zone === 'UTC') {
    const d = new Date(epochMs);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }
  const out: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(zone).formatToParts(epochMs)) {
    if (part.type in out) out[part.type as keyof WallClock] = Number(part.value);
  }
  return out;
}

/** Offset of `zone` from UTC at `epochMs`, in ms (local minus UTC). */
function offsetMs(epochMs: number, zone: string): number {
  const w = wallClockOf(epochMs, zone);
  const local = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return local - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

/**
 * The instant at which the wall clock in `zone` shows `w` (Temporal's "compatible" rule): a time
 * shown twice (DST ends) maps to the earlier instant; a time skipped (DST starts) maps forward by
 * the length of the jump.
 */
export function instantOf(w: WallClock, zone: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  if (zone === 'UTC') return asUtc;
  const before = asUtc - offsetMs(asUtc - 43_200_000, zone);
  const after = asUtc - offsetMs(asUtc + 43_200_000, zone);
  const valid = [before, after].filter((t) => sameWall(t, w, zone));
  if (valid.length > 0) return Math.min(...valid);
  return Math.max(before, after);
}

function sameWall(epochMs: number, w: WallClock, zone: string): boolean {
  const v = wallClockOf(epochMs, zone);
  return (
    v.year === w.year &&
    v.month === w.month &&
    v.day === w.day &&
    v.hour === w.hour &&
    v.minute === w.minute &&
    v.second === w.second
  );
}

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/**
 * Parses `yyyy-MM-dd HH:mm:ss` as a wall-clock time in `zone`. Returns undefined for anything not
 * in that exact format or not a real calendar time (2023-02-30, 24:00:00).
 */
export function parseWallClock(text: string, zone: string): number | undefined {
  const m = WALL_CLOCK.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  return instantOf({ year, month, day, hour, minute, second }, zone);
}

/** Parses `yyyy-MM-dd` as the start of that day in `zone`; undefined when not a real date. */
export function parseDate(text: string, zone: string): number | undefined {
  const m = DATE_ONLY.exec(text);
  if (!m) return undefined;
  const [year, month, day] = m.slice(1).map(Number) as [number, number, number];
  if (!isRealDate(year, month, day)) return undefined;
  return instantOf({ year, month, day, hour: 0, minute: 0, second: 0 }, zone);
}

/** The start of the day after `epochMs`'s day in `zone` (days are not always 24 h long). */
export function nextDayStart(epochMs: number, zone: string): number {
  const w = wallClockOf(epochMs, zone);
  const next = new Date(Date.UTC(w.year, w.month - 1, w.day + 1));
  return instantOf(
    {
      year: next.getUTCFullYear(),
      month: next.getUTCMonth() + 1,
      day: next.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
    },
    zone,
  );
}

/** The start (00:00:00) of `epochMs`'s day in `zone`. */
export function dayStart(epochMs: number, zone: string): number {
  const w = wallClockOf(epochMs, zone);
  return instantOf({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0, second: 0 }, zone);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `yyyyMMdd` of `epochMs` in `zone`: the date part of a daily build number. */
export function dayKey(epochMs: number, zone: string): string {
  const w = wallClockOf(epochMs, zone);
  return `${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}`;
}

/** `yyyy-MM-dd HH:mm:ss` of `epochMs` in `zone` (the API's query format). */
export function formatWallClock(epochMs: number, zone: string): string {
  const w = wallClockOf(epochMs, zone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/**
 * The last instant of year 9999 (epoch ms): the latest commit time Kiln keeps. Git takes any
 * number of seconds as a commit's date, and a time past what a Date holds made every view of the
 * build fail (formatUtcTime throws), its end among them.
 */
export const LAST_COMMIT_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** `2023-11-21T01:48:21.000+00:00`: the exact UTC format CodeArts uses for commit and template times. */
export function formatUtcTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+00:00');
}

/**
 * Parses the commit-time format above (or any ISO 8601 instant); undefined when not one, also
 * for a day no calendar has (Date.parse reads 2023-02-30 as 2023-03-02).
 */
export function parseIsoInstant(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!m || !isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** True when month `month` (1-12) of `year` has a day `day`. */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCDate() === day;
}

/**
 * `2020-12-30T17:33:11+08:00`: an instant in `zone` with its offset (history APIs); with
 * `separator` '' the offset is `+0800` (group APIs).
 */
export function formatOffsetTime(epochMs: number, zone: string, separator = ':'): string {
  const off = Math.round(offsetMs(epochMs, zone) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${formatWallClock(epochMs, zone).replace(' ', 'T')}${sign}${pad(Math.floor(abs / 60))}${separator}${pad(abs % 60)}`;
}
