import type { Kysely, Migration } from 'kysely';

/**
 * What each runner announced of its tools (name -> version, as JSON) when it last started: remote
 * runners by `remote:<id>`, the servers' own by `local:<name>` (they have no row in `runners`,
 * hence no foreign key). One row per runner, replaced at each announcement.
 */
export function runnerTools(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('runner_tools')
        .addColumn('runner_id', 'text', (c) => c.primaryKey())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('tools', 'text', (c) => c.notNull())
        .addColumn('reported_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
