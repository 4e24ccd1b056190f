import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Each job's history of changes (created, updated, disabled, enabled, deleted, restored), with the
 * document as it stood after each, who and when; and the jobs each user marked as a favourite.
 * A job from before this migration starts its history with one CREATE entry holding its document
 * as it is now (what changed before was not kept).
 */
export function jobHistory(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_versions')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('update_type', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_versions_pk', ['job_id', 'number'])
        .execute();
      await sql`insert into job_versions (job_id, number, update_type, user_id, config, created_at)
        select id, 1, 'CREATE', creator_id, config, updated_at from jobs`.execute(db);
      await db.schema
        .createTable('job_favourites')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_favourites_pk', ['user_id', 'job_id'])
        .execute();
      await db.schema.createIndex('job_favourites_job').on('job_favourites').column('job_id').execute();
    },
  };
}
