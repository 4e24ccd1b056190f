import type { JobSchedulesResult } from '../../contract/jobs.ts';
import { formatOffsetTime } from '../../domain/time.ts';
import type { UpcomingTimer } from '../../engine/scheduler.ts';

/** A job's timers as ListJobSchedules answers them: each next time in its own zone's offset and in epoch ms. */
export function toJobSchedules(disabled: boolean, timers: UpcomingTimer[]): JobSchedulesResult['result'] {
  return {
    disabled,
    schedules: timers.map((t) => ({
      cron: t.expression,
      time_zone: t.timeZone,
      own_time_zone: t.ownZone,
      next_due_time: t.nextDue === null ? null : formatOffsetTime(t.nextDue, t.timeZone),
      next_due_at: t.nextDue,
    })),
  };
}
