import { sql, type Kysely, type Migration } from 'kysely';

/**
 * What the fair claim (storage/sql/queue-store.ts) seeks by, so that a claim costs the same with
 * ten queued builds or ten thousand:
 * - `build_queue.project_id` with an index `(project_id, seq)`: the projects that have queued
 *   builds are found by skipping through it, and each one's oldest build is its first entry.
 * - `queue_turns`: when each project last had a build claimed (a counter, not a clock), so that
 *   projects with as many builds running take turns.
 * - `builds_held`: the builds a runner holds now (lease set), the only ones counted as running.
 */
export function fairQueue(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('build_queue')
        .addColumn('project_id', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await sql`update build_queue set project_id = (select project_id from jobs where jobs.id = build_queue.job_id)`.execute(
        db,
      );
      await db.schema
        .createIndex('build_queue_project')
        .on('build_queue')
        .columns(['project_id', 'seq'])
        .execute();
      await db.schema
        .createTable('queue_turns')
        .addColumn('project_id', 'text', (c) => c.primaryKey())
        .addColumn('turn', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('queue_turns_turn').on('queue_turns').column('turn').execute();
      await db.schema
        .createIndex('builds_held')
        .on('builds')
        .column('job_id')
        .where(sql.ref('lease_expires_at'), 'is not', null)
        .execute();
    },
  };
}
