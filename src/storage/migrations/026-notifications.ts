import type { Kysely, Migration } from 'kysely';

/**
 * Notifications (issue 18):
 * - `job_notices`: a job's settings per channel (CodeArts' notice types and Kiln's own): the
 *   events it is sent for and its `param_config`, sealed (it holds robot URLs and signing secrets).
 * - `notifications`: the outbox. A row is written in the transaction of the event that causes it
 *   (a build's end, a job's change), one per channel that goes over the network; a sender claims
 *   due rows (a lease, so one server sends each) and delivers them with retries until a deadline.
 * - `notification_attempts`: every delivery attempt, its HTTP status or error.
 * - `inbox_messages`: the MESSAGE channel, Kiln's own inbox, written with the event.
 * - `job_watchers`: who asked to hear of a job besides its creator.
 * - `user_notice_settings`: where a user's notification mail goes.
 */
export function notifications(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_notices')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('notice_type', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('only_on_change', 'integer', (c) => c.notNull())
        .addColumn('param_config_enc', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_notices_pk', ['job_id', 'notice_type'])
        .execute();
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('next_at', 'bigint', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_until', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('last_error', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('notifications_due')
        .on('notifications')
        .columns(['state', 'next_at'])
        .execute();
      await db.schema
        .createIndex('notifications_job')
        .on('notifications')
        .columns(['job_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('notification_attempts')
        .addColumn('notification_id', 'text', (c) =>
          c.notNull().references('notifications.id').onDelete('cascade'),
        )
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('server', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('notification_attempts_pk', ['notification_id', 'attempt'])
        .execute();
      await db.schema
        .createTable('inbox_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('read_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('inbox_messages_user')
        .on('inbox_messages')
        .columns(['user_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('job_watchers')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_watchers_pk', ['job_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('user_notice_settings')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
