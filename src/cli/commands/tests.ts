import { InvalidArgumentError, type Command } from 'commander';
import type { ResponseOf } from '../../contract/operation-types.ts';
import { formatDuration } from '../../domain/duration.ts';
import { percentOf, TEST_STATUSES, type TestStatus } from '../../domain/test-report.ts';
import { intInRange, parseJobId } from '../arguments.ts';
import { CliError, EXIT, type CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type Column, type OutputFormat } from '../output.ts';
import { parseBuildNo } from './run.ts';

type Tests = ResponseOf<'listBuildTests'>['result'];
type Case = Tests['cases'][number];

const TABLE_COLUMNS: Column<Case>[] = [
  { header: 'status', value: (c) => c.status },
  { header: 'test', value: (c) => (c.class_name ? `${c.class_name}.${c.name}` : c.name) },
  { header: 'time', value: (c) => formatDuration(c.duration_ms) },
  { header: 'message', value: (c) => c.message },
];

const CSV_COLUMNS: Column<Case>[] = [
  { header: 'step', value: (c) => c.step + 1 },
  { header: 'suite', value: (c) => c.suite },
  { header: 'class_name', value: (c) => c.class_name },
  { header: 'name', value: (c) => c.name },
  { header: 'status', value: (c) => c.status },
  { header: 'duration_ms', value: (c) => c.duration_ms },
  { header: 'message', value: (c) => c.message },
];

const TESTS_HELP = `
Prints the counts and coverage of each step that read test reports (unit_test.report_path, a
step's report_path), then the test cases kept: those that did not pass first. Exits 10 when a
test failed or was in error, so a script can stop on it; 0 otherwise (also when the build read no
report).

Examples:
  kiln tests <job> 42
  kiln tests <job> 42 --status failed -o json`;

/** `kiln tests <job> <build>`: what a build's test reports said. */
export function registerTests(program: Command, ctx: CliContext): void {
  const status = (v: string): TestStatus => {
    if (!(TEST_STATUSES as readonly string[]).includes(v))
      throw new InvalidArgumentError(`must be one of ${TEST_STATUSES.join(', ')}`);
    return v as TestStatus;
  };
  outputOption(
    program
      .command('tests')
      .description("A build's test counts, coverage and test cases, failures first (Kiln's build tests)")
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .argument('<build>', 'build number', parseBuildNo)
      .option('--status <status>', `only cases with this status (${TEST_STATUSES.join(', ')})`, status)
      .option('-n, --limit <n>', 'how many cases, 1-500', intInRange(1, 500), 100)
      .addHelpText('after', TESTS_HELP),
  ).action(
    async (
      job: string,
      build: number,
      opts: { status?: TestStatus; limit: number; output: OutputFormat },
    ) => {
      const { result } = await ctx.client().listBuildTests({
        params: { job_id: job, build_no: build },
        query: { ...(opts.status && { status: opts.status }), limit: opts.limit },
      });
      if (opts.output === 'table') {
        if (result.steps.length === 0) ctx.out(`Build ${build} read no test report.\n`);
        for (const s of result.steps) ctx.out(`step ${s.index + 1} "${s.name}": ${summary(s)}\n`);
        if (result.steps.length > 1) ctx.out(`in all: ${summary(result.total)}\n`);
      }
      writeRows(opts.output, opts.output === 'csv' ? CSV_COLUMNS : TABLE_COLUMNS, result.cases, ctx.out);
      if (opts.output === 'table' && result.cases_total > result.cases.length)
        ctx.err(`${result.cases.length} of ${result.cases_total} cases shown (-n to see more).\n`);
      const bad = result.total.failures + result.total.errors;
      if (bad > 0)
        throw new CliError(
          `${bad} of build ${build}'s ${result.total.tests} tests failed or were in error`,
          EXIT.buildFailed,
        );
    },
  );
}

function summary(s: Tests['total'] & { coverage?: Tests['steps'][number]['coverage'] }): string {
  const counts = `${s.tests} tests, ${s.passed} passed, ${s.failures} failed, ${s.errors} errors, ${s.skipped} skipped`;
  const c = s.coverage;
  return c ? `${counts}; lines ${percentOf(c.lines_covered, c.lines_total) || '–'} (${c.format})` : counts;
}
