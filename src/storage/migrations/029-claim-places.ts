import type { Kysely, Migration } from 'kysely';

/**
 * What a claim took off the queue, kept on the build while a runner holds it, so that a claim that
 * comes back before the build started (the runner stopping, a lease lost on the wire) puts the
 * build back where it was: `queue_seq` (its place) and `queue_needs_arch`, `queue_needs_pool`
 * (what it needs of a runner, when one handed it back). `lost_claims` counts the claims whose
 * runner went silent before the build started: past a few the build ends instead of going back.
 */
export function claimPlaces(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('builds').addColumn('queue_seq', 'bigint').execute();
      await db.schema.alterTable('builds').addColumn('queue_needs_arch', 'text').execute();
      await db.schema.alterTable('builds').addColumn('queue_needs_pool', 'text').execute();
      await db.schema
        .alterTable('builds')
        .addColumn('lost_claims', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
