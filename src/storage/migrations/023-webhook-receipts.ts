import type { Kysely, Migration } from 'kysely';

/**
 * `webhook_receipts`: the latest push deliveries each job received and what came of them (a build
 * started, ignored and why, refused and why), for the people who set the webhook up. Only the
 * newest few per job are kept (WebhookDeliveryStore.record); they go with their job.
 */
export function webhookReceipts(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('webhook_receipts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('delivery', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('error', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('build_number', 'integer')
        .execute();
      await db.schema
        .createIndex('webhook_receipts_job')
        .on('webhook_receipts')
        .columns(['job_id', 'received_at'])
        .execute();
    },
  };
}
