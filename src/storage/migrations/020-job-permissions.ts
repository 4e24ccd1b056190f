import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Per-job permissions: a job follows its project's (`jobs.project_permissions` 1, what every job
 * did before) or its own matrix, a row per permission role with the permissions as a bit mask.
 */
export function jobPermissions(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_permissions')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('flags', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_permissions_pk', ['job_id', 'role'])
        .execute();
      await db.schema
        .alterTable('jobs')
        .addColumn('project_permissions', 'integer', (c) => c.notNull().defaultTo(sql`1`))
        .execute();
    },
  };
}
