import type { Kysely, Migration } from 'kysely';

/**
 * The JUnit counts of a step whose action names test reports (`unit_test.report_path`, the Maven
 * module's `file`), summed by the runner after the step and sent with its end: what
 * ShowReportSummary and ListJunitCoverageSummary answer. Null for steps without reports.
 */
export function stepTestCounts(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const column of ['tests_total', 'tests_failures', 'tests_errors', 'tests_skipped'])
        await db.schema.alterTable('build_steps').addColumn(column, 'integer').execute();
    },
  };
}
