import type { Kysely } from 'kysely';
import type { WebhookDeliveryStore, WebhookReceipt } from '../ports.ts';
import type { Database } from '../schema.ts';

/**
 * SQL WebhookDeliveryStore. `remember` is an insert that does nothing on a key the job has: on
 * PostgreSQL a second transaction inserting the same key waits for the first and then inserts
 * nothing, so of two servers receiving one delivery at once only one builds.
 */
export class SqlWebhookDeliveryStore implements WebhookDeliveryStore {
  constructor(private readonly db: Kysely<Database>) {}

  async remember(jobId: string, key: string, now: number): Promise<boolean> {
    const r = await this.db
      .insertInto('webhook_deliveries')
      .values({ job_id: jobId, delivery_key: key, received_at: now })
      .onConflict((oc) => oc.columns(['job_id', 'delivery_key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  async record(r: WebhookReceipt, keep: number): Promise<void> {
    await this.db
      .insertInto('webhook_receipts')
      .values({
        id: r.id,
        job_id: r.jobId,
        received_at: r.receivedAt,
        sender: r.sender,
        event: r.event,
        delivery: r.delivery,
        outcome: r.outcome,
        error: r.error,
        reason: r.reason,
        build_number: r.buildNumber,
      })
      .execute();
    // The job's oldest beyond `keep` go (a delivery or two more kept under a race is no harm), in
    // recent()'s order: receipts of the same millisecond are told apart by id, so the cut never
    // takes one of the newest `keep` with it.
    const cut = await this.db
      .selectFrom('webhook_receipts')
      .select(['received_at', 'id'])
      .where('job_id', '=', r.jobId)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .offset(keep)
      .limit(1)
      .executeTakeFirst();
    if (cut) {
      const at = Number(cut.received_at);
      await this.db
        .deleteFrom('webhook_receipts')
        .where('job_id', '=', r.jobId)
        .where((eb) =>
          eb.or([eb('received_at', '<', at), eb.and([eb('received_at', '=', at), eb('id', '<=', cut.id)])]),
        )
        .execute();
    }
  }
  async recent(jobId: string, limit: number): Promise<WebhookReceipt[]> {
    const rows = await this.db
      .selectFrom('webhook_receipts')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      jobId: row.job_id,
      receivedAt: Number(row.received_at),
      sender: row.sender,
      event: row.event,
      delivery: row.delivery,
      outcome: row.outcome as WebhookReceipt['outcome'],
      error: row.error,
      reason: row.reason,
      buildNumber: row.build_number,
    }));
  }
  async deleteBefore(before: number): Promise<number> {
    const r = await this.db
      .deleteFrom('webhook_deliveries')
      .where('received_at', '<', before)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
