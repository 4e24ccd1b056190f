import type { Kysely, Migration } from 'kysely';

/**
 * `job_badges`: the jobs whose status badge is on (Kiln's GET /v1/kiln/jobs/{job_id}/badge.svg,
 * readable without a token, so off until an owner turns it on). A row per job with it on.
 */
export function jobBadges(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_badges')
        .addColumn('job_id', 'text', (c) => c.primaryKey().references('jobs.id').onDelete('cascade'))
        .addColumn('enabled_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
