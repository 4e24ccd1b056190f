import type { Kysely, Migration } from 'kysely';

/**
 * The artifacts builds uploaded: one row per (build, name), pointing at its bytes in the artifact
 * store by `id`. A row is written only once its bytes are stored, and deleted before them, so a
 * crash leaves at most bytes no row names, which the server sweeps at start.
 */
export function artifacts(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('artifacts')
        .addColumn('id', 'text', (c) => c.primaryKey().notNull())
        .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('build_number', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('artifacts_build_name', ['build_id', 'name'])
        .execute();
      await db.schema
        .createIndex('artifacts_job')
        .on('artifacts')
        .columns(['job_id', 'build_number'])
        .execute();
    },
  };
}
