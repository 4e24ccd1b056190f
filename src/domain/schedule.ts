import { Cron } from 'croner';
import type { JobSpec } from './job-config.ts';

/** One timer trigger of a job: its key in the schedule table and its cron expression. */
export interface TimerTrigger {
  key: string;
  expression: string;
}

/**
 * The job's timer triggers. A key names the trigger's place and its expression, so changing an
 * expression (or moving it) makes a new schedule that starts counting when it is saved.
 */
export function timerTriggers(spec: Pick<JobSpec, 'cron'>): TimerTrigger[] {
  return spec.cron.map((expression, index) => ({ key: `${index}:${expression}`, expression }));
}

/** The cron expression of a timer trigger's key (see timerTriggers). */
export function expressionOfKey(key: string): string {
  return key.slice(key.indexOf(':') + 1);
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
