import type { Kysely } from 'kysely';
import type { WebhookDeliveryStore } from '../ports.ts';
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
  async deleteBefore(before: number): Promise<number> {
    const r = await this.db
      .deleteFrom('webhook_deliveries')
      .where('received_at', '<', before)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
