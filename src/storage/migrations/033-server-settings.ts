import type { Kysely, Migration } from 'kysely';

/**
 * `server_settings`: values the whole database shares, one row per key. The first is the check
 * of the secret key (`secret_key_check`: a fixed text sealed with the key that sealed the stored
 * secrets), opened at every start so that a server started with another `KILN_SECRET_KEY` refuses
 * to start instead of failing on each stored secret it touches.
 */
export function serverSettings(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('server_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
