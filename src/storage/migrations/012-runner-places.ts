import type { Kysely, Migration } from 'kysely';

/**
 * Where runners are and where builds must run (env.resource): each runner's announcement keeps its
 * arch (process.arch) and pool, null for runners that have not announced them; a queued build
 * handed back by a runner that could not run it keeps what it needs, null for any runner.
 */
export function runnerPlaces(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // One column per statement: SQLite adds them one at a time.
      await db.schema.alterTable('runner_tools').addColumn('arch', 'text').execute();
      await db.schema.alterTable('runner_tools').addColumn('pool', 'text').execute();
      await db.schema.alterTable('build_queue').addColumn('needs_arch', 'text').execute();
      await db.schema.alterTable('build_queue').addColumn('needs_pool', 'text').execute();
    },
  };
}
