import type { Kysely, Migration } from 'kysely';

/**
 * `webhook_deliveries`: the push deliveries that started a build, one row per job and key, so a
 * replayed delivery builds nothing on any server, also after a restart. The primary key is what
 * refuses the second one; rows are purged after the retention period (by `received_at`).
 */
export function webhookDeliveries(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('delivery_key', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_deliveries_pk', ['job_id', 'delivery_key'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_received')
        .on('webhook_deliveries')
        .column('received_at')
        .execute();
    },
  };
}
