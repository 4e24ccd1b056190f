import { Cron } from 'croner';
import type { JobSpec } from './job-config.ts';

/**
 * One timer trigger of a job: its key in the schedule table, its cron expression, and its own time
 * zone when it has one (a CodeArts `hudson.triggers.TimerTrigger`'s `timeZoneId`; none: the
 * server's, KILN_TIMEZONE).
 */
export interface TimerTrigger {
  key: string;
  expression: string;
  timeZone?: string;
}

/**
 * The job's timer triggers. A key names the trigger's place, its own time zone if any and its
 * expression (`0:0 2 * * *`, `0@Asia/Shanghai:0 2 * * *`), so changing an expression or a zone (or
 * moving it) makes a new schedule that starts counting when it is saved, and a key tells whether
 * its schedule follows the server's zone (zoneOfKey). A zone has no `:` (job-config.ts checks it).
 */
export function timerTriggers(spec: Pick<JobSpec, 'timers'>): TimerTrigger[] {
  return spec.timers.map(({ cron: expression, timeZone }, index) =>
    timeZone === undefined
      ? { key: `${index}:${expression}`, expression }
      : { key: `${index}@${timeZone}:${expression}`, expression, timeZone },
  );
}

/** The cron expression of a timer trigger's key (see timerTriggers). */
export function expressionOfKey(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

/** The trigger's own time zone held by its key, or undefined when it follows the server's. */
export function zoneOfKey(key: string): string | undefined {
  const head = key.slice(0, key.indexOf(':'));
  const at = head.indexOf('@');
  return at < 0 ? undefined : head.slice(at + 1);
}

function cronOf(expression: string, timeZone: string): Cron {
  return new Cron(expression, { timezone: timeZone, paused: true });
}

/** The latest time `expression` was due in (after, atOrBefore], in `timeZone`, or undefined. */
export function latestDue(
  expression: string,
  timeZone: string,
  after: number,
  atOrBefore: number,
): number | undefined {
  const [latest] = cronOf(expression, timeZone).previousRuns(1, new Date(atOrBefore + 1));
  const t = latest?.getTime();
  return t !== undefined && t > after ? t : undefined;
}

/** The first time after `after` that `expression` is due, in `timeZone`; null when never. */
export function nextDue(expression: string, timeZone: string, after: number): number | null {
  return cronOf(expression, timeZone).nextRun(new Date(after))?.getTime() ?? null;
}
