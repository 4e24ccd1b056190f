import type { Kysely, Migration } from 'kysely';

/**
 * The test cases a step's JUnit reports held (those kept: domain/test-report.ts bounds them), and
 * the line and branch coverage of its JaCoCo or Cobertura reports. They go with their build.
 */
export function testCases(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('test_cases')
        .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
        .addColumn('step_idx', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('suite', 'text', (c) => c.notNull())
        .addColumn('class_name', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'bigint', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('test_cases_pk', ['build_id', 'step_idx', 'seq'])
        .execute();
      await db.schema.alterTable('build_steps').addColumn('coverage_format', 'text').execute();
      for (const column of [
        'coverage_lines_covered',
        'coverage_lines_total',
        'coverage_branches_covered',
        'coverage_branches_total',
      ])
        await db.schema.alterTable('build_steps').addColumn(column, 'bigint').execute();
    },
  };
}
