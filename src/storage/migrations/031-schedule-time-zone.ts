import type { Kysely, Migration } from 'kysely';

/**
 * `schedule_state.time_zone`: the time zone a schedule's next due time was computed in, so that a
 * server started with another `KILN_TIMEZONE` computes it anew instead of firing once at the old
 * zone's time. Rows from before are left null: a server takes them as computed in its own zone,
 * as it did before.
 */
export function scheduleTimeZone(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('schedule_state').addColumn('time_zone', 'text').execute();
    },
  };
}
