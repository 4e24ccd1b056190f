import type { Kysely, Migration } from 'kysely';

/**
 * BuildFlows: a build whose build.yml is a flow (its parent record) and the jobs it runs, each a
 * build of its own (the child record) with the names it depends on. `started` says the flow
 * handed the child to the queue, so that across servers a child is queued once.
 */
export function buildFlows(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('build_flows')
        .addColumn('parent_id', 'text', (c) =>
          c.primaryKey().notNull().references('builds.id').onDelete('cascade'),
        )
        .addColumn('strategy', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('flow_jobs')
        .addColumn('child_id', 'text', (c) =>
          c.primaryKey().notNull().references('builds.id').onDelete('cascade'),
        )
        .addColumn('parent_id', 'text', (c) =>
          c.notNull().references('build_flows.parent_id').onDelete('cascade'),
        )
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('depends_on', 'text', (c) => c.notNull())
        .addColumn('build_ref', 'text', (c) => c.notNull())
        .addColumn('started', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('flow_jobs_parent')
        .on('flow_jobs')
        .columns(['parent_id', 'position'])
        .execute();
    },
  };
}
