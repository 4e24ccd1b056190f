import type { Kysely, Migration } from 'kysely';

/**
 * Sign-in throttling and AK/SK replay protection, both kept in the database so that every server
 * sharing it sees the same counts and the same used signatures.
 *
 * `users.failed_logins` and `users.locked_until` are no longer read (the counters moved here, keyed
 * by user and client address); they stay, unused, so that a server of the previous version still
 * runs against this schema during a rolling upgrade.
 */
export function signInGuards(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('login_throttles')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('locked_until', 'bigint', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('login_throttles_last_at')
        .on('login_throttles')
        .column('last_at')
        .execute();

      await db.schema
        .createTable('used_signatures')
        .addColumn('signature', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('used_signatures_expires_at')
        .on('used_signatures')
        .column('expires_at')
        .execute();
    },
  };
}
