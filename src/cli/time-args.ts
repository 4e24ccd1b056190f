import { InvalidArgumentError } from 'commander';
import { formatWallClock } from '../domain/time.ts';

/** Which end of a window a time names: a bare date means its first or its last second. */
export type WindowEnd = 'start' | 'end';

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$/;

/** The earliest --since: everything the server can hold. */
export const EPOCH_WALL_CLOCK = '1970-01-01 00:00:00';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `yyyy-MM-dd HH:mm:ss` of an instant, in UTC. */
export function wallClockUtc(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** `yyyy-MM-dd HH:mm:ss` of an instant in the IANA `zone` (UTC for a zone this Node does not know). */
export function wallClockIn(epochMs: number, zone: string): string {
  try {
    return formatWallClock(epochMs, zone);
  } catch {
    return wallClockUtc(epochMs);
  }
}

/**
 * A --since/--until value as the records API takes it (`yyyy-MM-dd HH:mm:ss`). A bare date is
 * widened to the whole day so `--since D --until D` means "the builds of day D". The text is
 * checked here, calendar included, so a typo fails before any request with the format to use.
 */
export function parseWindowTime(text: string, end: WindowEnd): string {
  const m = TIME.exec(text.trim());
  if (!m) {
    throw new InvalidArgumentError(
      `"${text}" is not a time: use "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd" (quote the space)`,
    );
  }
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hh, mm, ss] =
    m[4] === undefined
      ? end === 'start'
        ? [0, 0, 0]
        : [23, 59, 59]
      : [Number(m[4]), Number(m[5]), Number(m[6])];
  const t = Date.UTC(y, mo - 1, d, hh, mm, ss);
  // Date.UTC rolls 2023-02-30 over to March 2 and 24:00:00 to the next day; a real time comes
  // back unchanged.
  const asked = `${m[1]}-${m[2]}-${m[3]} ${pad(hh)}:${pad(mm)}:${pad(ss)}`;
  if (y < 1970 || wallClockUtc(t) !== asked)
    throw new InvalidArgumentError(`"${text}" is not a real calendar time (from 1970 on)`);
  return wallClockUtc(t);
}
