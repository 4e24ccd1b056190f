import type { Kysely } from 'kysely';
import type { ScheduleEntry, ScheduleStore } from '../ports.ts';
import type { Database, ScheduleStateRow } from '../schema.ts';

function toScheduleEntry(row: ScheduleStateRow): ScheduleEntry {
  return {
    jobId: row.job_id,
    key: row.trigger_key,
    lastDue: Number(row.last_due),
    nextDue: row.next_due === null ? null : Number(row.next_due),
  };
}

/** SQL ScheduleStore: `advance` is a compare-and-set, so a due time fires on one server only. */
export class SqlScheduleStore implements ScheduleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async listDue(now: number, limit: number): Promise<ScheduleEntry[]> {
    // A range scan of the index schedule_state_next_due: only due rows are read (null never is).
    const rows = await this.db
      .selectFrom('schedule_state')
      .selectAll()
      .where('next_due', '<=', now)
      .orderBy('next_due')
      .limit(limit)
      .execute();
    return rows.map(toScheduleEntry);
  }
  async listOfJob(jobId: string): Promise<ScheduleEntry[]> {
    const rows = await this.db
      .selectFrom('schedule_state')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('trigger_key')
      .execute();
    return rows.map(toScheduleEntry);
  }
  async track(entry: ScheduleEntry, timeZone: string): Promise<boolean> {
    const r = await this.db
      .insertInto('schedule_state')
      .values({
        job_id: entry.jobId,
        trigger_key: entry.key,
        last_due: entry.lastDue,
        next_due: entry.nextDue,
        time_zone: timeZone,
      })
      .onConflict((oc) => oc.columns(['job_id', 'trigger_key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  async adoptUnzoned(timeZone: string): Promise<void> {
    await this.db
      .updateTable('schedule_state')
      .set({ time_zone: timeZone })
      .where('time_zone', 'is', null)
      .execute();
  }
  async listOtherZone(
    timeZone: string,
    after: { jobId: string; key: string } | undefined,
    limit: number,
  ): Promise<ScheduleEntry[]> {
    let q = this.db.selectFrom('schedule_state').selectAll().where('time_zone', '<>', timeZone);
    if (after)
      q = q.where((eb) =>
        eb.or([
          eb('job_id', '>', after.jobId),
          eb.and([eb('job_id', '=', after.jobId), eb('trigger_key', '>', after.key)]),
        ]),
      );
    const rows = await q.orderBy('job_id').orderBy('trigger_key').limit(limit).execute();
    return rows.map(toScheduleEntry);
  }
  async rezone(
    jobId: string,
    key: string,
    lastDue: number,
    timeZone: string,
    nextDue: number | null,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('schedule_state')
      .set({ time_zone: timeZone, next_due: nextDue })
      .where('job_id', '=', jobId)
      .where('trigger_key', '=', key)
      .where('last_due', '=', lastDue)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async retain(jobId: string, keys: string[]): Promise<void> {
    let q = this.db.deleteFrom('schedule_state').where('job_id', '=', jobId);
    if (keys.length > 0) q = q.where('trigger_key', 'not in', keys);
    await q.execute();
  }
  async remove(jobId: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('schedule_state')
      .where('job_id', '=', jobId)
      .where('trigger_key', '=', key)
      .execute();
  }
  async advance(
    jobId: string,
    key: string,
    from: number,
    to: number,
    nextDue: number | null,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('schedule_state')
      .set({ last_due: to, next_due: nextDue })
      .where('job_id', '=', jobId)
      .where('trigger_key', '=', key)
      .where('last_due', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
