import { sql, type Kysely, type Migration } from 'kysely';
import { toJobSpec } from '../../domain/job-config.ts';
import { parseJobDocument, type JobConfig } from '../../domain/job-document.ts';
import { timerTriggers } from '../../domain/schedule.ts';

/**
 * Each timer trigger's next due time, indexed, so that a scheduler tick reads only the schedules
 * that are due instead of every job. A migration does not know the server's time zone, so it sets
 * the next due time of what exists to "now": the first tick then fires what is due and computes
 * the real next time. Timer triggers never seen by a tick get a schedule that starts counting at
 * the upgrade (as the first tick did before); deleted jobs' schedules go.
 */
export function scheduleNextDue(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('schedule_state').addColumn('next_due', 'bigint').execute();
      await db.schema
        .createIndex('schedule_state_next_due')
        .on('schedule_state')
        .column('next_due')
        .execute();
      await sql`delete from schedule_state where job_id in (select id from jobs where deleted_at is not null)`.execute(
        db,
      );
      await sql`update schedule_state set next_due = last_due`.execute(db);
      const now = Date.now();
      const jobs = await sql<{ id: string; config: string }>`select id, config from jobs
        where deleted_at is null and config like '%"timer"%'`.execute(db);
      for (const job of jobs.rows) {
        const doc = readable(job.config);
        if (!doc) continue; // not a document Kiln wrote: its triggers never fired either
        for (const { key } of timerTriggers(toJobSpec(doc))) {
          await sql`insert into schedule_state (job_id, trigger_key, last_due, next_due)
            values (${job.id}, ${key}, ${now}, ${now}) on conflict do nothing`.execute(db);
        }
      }
    },
  };
}

function readable(text: string): JobConfig | undefined {
  try {
    return parseJobDocument(JSON.parse(text));
  } catch {
    return undefined;
  }
}
