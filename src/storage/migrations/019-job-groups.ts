import type { Kysely, Migration } from 'kysely';

/**
 * Job groups: a tree of folders per project (CreateJobGroup...ListGroupTree). A group's `path_id`
 * is its ancestors' ids and its own, dot-separated, so that a subtree is one prefix match. A job's
 * group is `jobs.group_id` (no group: null); deleting a group ungroups the jobs of the recycle
 * bin still in it (live ones keep a group from being deleted).
 */
export function jobGroups(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('parent_id', 'text', (c) => c.references('job_groups.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('path_id', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updater_id', 'text')
        .addColumn('updated_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('job_groups_path')
        .on('job_groups')
        .columns(['project_id', 'path_id'])
        .execute();
      await db.schema.createIndex('job_groups_parent').on('job_groups').column('parent_id').execute();
      await db.schema
        .alterTable('jobs')
        .addColumn('group_id', 'text', (c) => c.references('job_groups.id').onDelete('set null'))
        .execute();
      await db.schema.createIndex('jobs_group').on('jobs').column('group_id').execute();
    },
  };
}
