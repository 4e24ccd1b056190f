import { sql, type Kysely } from 'kysely';
import type { QueueStore } from '../ports.ts';
import type { Database } from '../schema.ts';

/** SQL QueueStore; `skipLocked` is PostgreSQL's way to let concurrent claimers pass each other. */
export class SqlQueueStore implements QueueStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly skipLocked: boolean,
  ) {}

  async enqueue(recordId: string, jobId: string, now: number): Promise<void> {
    await this.db
      .insertInto('build_queue')
      .values({ build_id: recordId, job_id: jobId, enqueued_at: now })
      .execute();
  }

  async takeNext(): Promise<{ recordId: string; seq: number } | undefined> {
    // Oldest first (seq is the trigger order). On PostgreSQL, FOR UPDATE SKIP LOCKED lets each of
    // several claiming transactions lock a different head row instead of queueing behind one
    // another, and the DELETE makes the claim final when the transaction commits. On SQLite the
    // claiming transaction is the only writer, so the plain subquery is already exclusive.
    const head = sql<number>`(select seq from build_queue order by seq limit 1${this.skipLocked ? sql` for update skip locked` : sql``})`;
    const row = await this.db
      .deleteFrom('build_queue')
      .where('seq', '=', head)
      .returning(['build_id', 'seq'])
      .executeTakeFirst();
    return row && { recordId: row.build_id, seq: Number(row.seq) };
  }

  async restore(recordId: string, jobId: string, seq: number, now: number): Promise<void> {
    await this.db
      .insertInto('build_queue')
      .values({ seq, build_id: recordId, job_id: jobId, enqueued_at: now })
      .execute();
  }

  async remove(recordId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('build_queue').where('build_id', '=', recordId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
