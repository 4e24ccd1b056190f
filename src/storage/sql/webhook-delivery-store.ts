import type { ExpressionBuilder, Kysely } from 'kysely';
import type { WebhookDeliveryStore, WebhookReceipt } from '../ports.ts';
import type { Database } from '../schema.ts';

/**
 * True for the receipt of a delivery refused before its signature or token checked out: no host's
 * event header (sender ''), or refused UNAUTHENTICATED (no signature, a wrong one, a replayed
 * Gitee timestamp). Anyone who knows the job's webhook URL can send these, so they are kept apart
 * from the others (record). A refusal after the check (a payload Kiln cannot read) is not one.
 */
function isUnauthenticatedReceipt(r: Pick<WebhookReceipt, 'outcome' | 'error' | 'sender'>): boolean {
  return r.outcome === 'refused' && (r.error === 'UNAUTHENTICATED' || r.sender === '');
}

/** isUnauthenticatedReceipt in SQL (the columns are NOT NULL, so its negation is exact). */
function unauthenticatedReceipt(eb: ExpressionBuilder<Database, 'webhook_receipts'>) {
  return eb.and([
    eb('outcome', '=', 'refused'),
    eb.or([eb('error', '=', 'UNAUTHENTICATED'), eb('sender', '=', '')]),
  ]);
}

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
  async record(r: WebhookReceipt, keep: { authenticated: number; unauthenticated: number }): Promise<void> {
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
    // Only the receipt's own kind is cut (the other kind did not grow): unauthenticated ones never
    // take an authenticated one with them. The job's oldest of the kind beyond what is kept go (a
    // delivery or two more kept under a race is no harm), in recent()'s order: receipts of the same
    // millisecond are told apart by id, so the cut never takes one of the newest with it.
    const unauthenticated = isUnauthenticatedReceipt(r);
    const ofKind = (eb: ExpressionBuilder<Database, 'webhook_receipts'>) =>
      unauthenticated ? unauthenticatedReceipt(eb) : eb.not(unauthenticatedReceipt(eb));
    const cut = await this.db
      .selectFrom('webhook_receipts')
      .select(['received_at', 'id'])
      .where('job_id', '=', r.jobId)
      .where(ofKind)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .offset(unauthenticated ? keep.unauthenticated : keep.authenticated)
      .limit(1)
      .executeTakeFirst();
    if (cut) {
      const at = Number(cut.received_at);
      await this.db
        .deleteFrom('webhook_receipts')
        .where('job_id', '=', r.jobId)
        .where(ofKind)
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
