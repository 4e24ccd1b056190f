import { describe, expect, it } from 'vitest';
import { dailyBuildNumber, isDailyBuildNumber } from '../../src/domain/build.ts';
import {
  dayKey,
  dayStart,
  formatOffsetTime,
  formatWallClock,
  instantOf,
  nextDayStart,
  parseDate,
  parseIsoInstant,
  parseWallClock,
} from '../../src/domain/time.ts';
import { latestDue } from '../../src/domain/schedule.ts';

const NY = 'America/New_York';
const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('daily build numbers count days in the configured zone', () => {
  it('a build near midnight belongs to the day of the zone, not of UTC', () => {
    const t = at('2024-03-31T16:30:00Z'); // 00:30 on 1 April in Shanghai
    expect(dayKey(t, 'UTC')).toBe('20240331');
    expect(dayKey(t, 'Asia/Shanghai')).toBe('20240401');
    expect(dailyBuildNumber(dayKey(t, 'Asia/Shanghai'), 3)).toBe('20240401.3');
  });

  it('the day DST starts has 23 hours and the day it ends 25, in New York', () => {
    const spring = at('2024-03-10T12:00:00Z');
    expect(nextDayStart(spring, NY) - dayStart(spring, NY)).toBe(23 * HOUR);
    const autumn = at('2024-11-03T12:00:00Z');
    expect(nextDayStart(autumn, NY) - dayStart(autumn, NY)).toBe(25 * HOUR);
    // Around the jumps the day changes at local midnight: EST before spring, EDT before autumn.
    expect(dayKey(at('2024-03-10T04:59:59Z'), NY)).toBe('20240309');
    expect(dayKey(at('2024-03-10T05:00:00Z'), NY)).toBe('20240310');
    expect(dayKey(at('2024-11-03T03:59:59Z'), NY)).toBe('20241102');
    expect(dayKey(at('2024-11-03T04:00:00Z'), NY)).toBe('20241103');
    // The hour shown twice is still one day: both 01:30s are on 3 November.
    expect(dayKey(at('2024-11-03T05:30:00Z'), NY)).toBe('20241103');
    expect(dayKey(at('2024-11-03T06:30:00Z'), NY)).toBe('20241103');
  });

  it('a half-hour DST shift (Lord Howe) keeps days whole too', () => {
    const t = at('2024-04-07T00:00:00Z'); // Lord Howe leaves DST (+11 -> +10:30) on 7 April 2024
    expect(nextDayStart(t, 'Australia/Lord_Howe') - dayStart(t, 'Australia/Lord_Howe')).toBe(24.5 * HOUR);
  });
});

describe('wall-clock times in a zone', () => {
  it('a time skipped by DST moves forward by the jump; a time shown twice takes the earlier instant', () => {
    const skipped = { year: 2024, month: 3, day: 10, hour: 2, minute: 30, second: 0 };
    expect(new Date(instantOf(skipped, NY)).toISOString()).toBe('2024-03-10T07:30:00.000Z');
    const twice = { year: 2024, month: 11, day: 3, hour: 1, minute: 30, second: 0 };
    expect(new Date(instantOf(twice, NY)).toISOString()).toBe('2024-11-03T05:30:00.000Z');
  });

  it('parses and formats the API format, refusing times that are not on a calendar', () => {
    expect(parseWallClock('2024-11-03 01:30:00', NY)).toBe(at('2024-11-03T05:30:00Z'));
    expect(formatWallClock(at('2024-11-03T06:30:00Z'), NY)).toBe('2024-11-03 01:30:00');
    expect(parseWallClock('2023-02-29 00:00:00', 'UTC')).toBeUndefined();
    expect(parseWallClock('2024-02-29 24:00:00', 'UTC')).toBeUndefined();
    expect(parseWallClock('2024-02-29T00:00:00', 'UTC')).toBeUndefined();
    expect(parseDate('2024-03-10', NY)).toBe(at('2024-03-10T05:00:00Z'));
  });

  it('reads ISO instants and daily numbers of calendar days only (Date.parse rolls 02-30 over)', () => {
    expect(parseIsoInstant('2024-02-29T10:00:00.000+00:00')).toBe(at('2024-02-29T10:00:00Z'));
    expect(parseIsoInstant('2023-02-29T10:00:00.000+00:00')).toBeUndefined();
    expect(parseIsoInstant('2023-04-31T10:00:00Z')).toBeUndefined();
    expect(parseIsoInstant('2023-13-01T10:00:00Z')).toBeUndefined();
    expect(parseIsoInstant('2023-01-01T24:00:00Z')).toBeUndefined();
    expect(parseIsoInstant('0099-01-01T00:00:00Z')).toBe(Date.parse('0099-01-01T00:00:00Z'));
    expect(isDailyBuildNumber('20240229.1')).toBe(true);
    expect(isDailyBuildNumber('20230229.1')).toBe(false);
    expect(isDailyBuildNumber('20231399.1')).toBe(false);
    expect(isDailyBuildNumber('20230100.1')).toBe(false);
  });

  it('shows the offset in force at each instant', () => {
    expect(formatOffsetTime(at('2024-11-03T05:30:00Z'), NY)).toBe('2024-11-03T01:30:00-04:00');
    expect(formatOffsetTime(at('2024-11-03T06:30:00Z'), NY)).toBe('2024-11-03T01:30:00-05:00');
    expect(formatOffsetTime(at('2024-03-31T16:30:00Z'), 'Asia/Kolkata')).toBe('2024-03-31T22:00:00+05:30');
  });
});

/** The due times a scheduler ticking every 5 minutes from `from` to `to` fires for. */
function firings(expression: string, zone: string, from: string, to: string): string[] {
  let last = at(from);
  const fired: string[] = [];
  for (let now = last; now <= at(to); now += 5 * 60_000) {
    const due = latestDue(expression, zone, last, now);
    if (due === undefined) continue;
    fired.push(formatOffsetTime(due, zone));
    last = due;
  }
  return fired;
}

describe('schedules in the configured zone, across DST', () => {
  it('a daily time fires at that local time, in Shanghai as in UTC', () => {
    expect(firings('0 0 * * *', 'Asia/Shanghai', '2024-03-30T12:00:00Z', '2024-04-01T12:00:00Z')).toEqual([
      '2024-03-31T00:00:00+08:00',
      '2024-04-01T00:00:00+08:00',
    ]);
  });

  it('a daily time the spring jump skips fires once that day, at the end of the jump', () => {
    expect(firings('30 2 * * *', NY, '2024-03-09T00:00:00Z', '2024-03-12T00:00:00Z')).toEqual([
      '2024-03-09T02:30:00-05:00',
      '2024-03-10T03:00:00-04:00',
      '2024-03-11T02:30:00-04:00',
    ]);
  });

  it('a daily time the autumn shift shows twice fires once, at its first showing', () => {
    expect(firings('30 1 * * *', NY, '2024-11-02T00:00:00Z', '2024-11-05T00:00:00Z')).toEqual([
      '2024-11-02T01:30:00-04:00',
      '2024-11-03T01:30:00-04:00',
      '2024-11-04T01:30:00-05:00',
    ]);
  });

  it('an hourly schedule fires every real hour through the autumn shift', () => {
    expect(firings('0 * * * *', NY, '2024-11-03T04:00:00Z', '2024-11-03T08:00:00Z')).toEqual([
      '2024-11-03T01:00:00-04:00',
      '2024-11-03T01:00:00-05:00',
      '2024-11-03T02:00:00-05:00',
      '2024-11-03T03:00:00-05:00',
    ]);
  });

  it('a server down over several due times fires once for the latest', () => {
    const last = at('2024-03-09T07:30:00Z');
    const due = latestDue('30 2 * * *', NY, last, at('2024-03-12T12:00:00Z'));
    expect(formatOffsetTime(due ?? 0, NY)).toBe('2024-03-12T02:30:00-04:00');
  });
});
