import type { Kysely } from 'kysely';
import type { ScheduleStore } from '../ports.ts';
import type { Database } from '../schema.ts';

/** SQL ScheduleStore: `advance` is a compare-and-set, so a due time fires on one server only. */
export class SqlScheduleStore implements ScheduleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async lastDue(jobId: string, key: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('schedule_state')
      .select('last_due')
      .where('job_id', '=', jobId)
      .where('trigger_key', '=', key)
      .executeTakeFirst();
    return row ? Number(row.last_due) : undefined;
  }
  async init(jobId: string, key: string, lastDue: number): Promise<boolean> {
    const r = await this.db
      .insertInto('schedule_state')
      .values({ job_id: jobId, trigger_key: key, last_due: lastDue })
      .onConflict((oc) => oc.columns(['job_id', 'trigger_key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  async advance(jobId: string, key: string, from: number, to: number): Promise<boolean> {
    const r = await this.db
      .updateTable('schedule_state')
      .set({ last_due: to })
      .where('job_id', '=', jobId)
      .where('trigger_key', '=', key)
      .where('last_due', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
