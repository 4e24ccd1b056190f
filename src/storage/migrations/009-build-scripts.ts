import type { Kysely, Migration } from 'kysely';

/**
 * The build definition a build ran, kept beside it: a code-based (YAML) build's `build.yml` as read
 * from its own commit, with the path it was read from. Graphical (ACTION) builds have no row: their
 * steps are in build_steps and their document in the job. A separate table keeps the builds rows,
 * which every records page reads, as narrow as they were.
 */
export function buildScripts(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('build_scripts')
        .addColumn('build_id', 'text', (c) =>
          c.primaryKey().notNull().references('builds.id').onDelete('cascade'),
        )
        .addColumn('config_type', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('script', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
