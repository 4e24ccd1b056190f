import type { Static } from 'typebox';
import type { BuildTests, JunitList, ReportSummary, TestTrend } from '../../contract/test-reports.ts';
import type { BuildStep, TestCounts } from '../../domain/build.ts';
import { passedOf, rootIdOf } from '../../domain/test-report.ts';
import type { BuildView } from '../../engine/build-service.ts';
import type { TestCasePage, TestTrendPoint } from '../../engine/test-report-service.ts';
import { recordTime } from './record-info.mapper.ts';

/**
 * A build's unit-test reports as CodeArts shows them: one summary per step that collected JUnit
 * reports (its stage key and id as in full-stages), and their sum.
 */

type Summary = Static<typeof ReportSummary>['result']['summary'];
type WithTests = BuildStep & { tests: TestCounts };

function where(v: BuildView, s: BuildStep) {
  const key = `stage${s.index + 1}`;
  return {
    job_id: v.build.jobId,
    build_no: v.build.number,
    stage_name: key,
    root_id: rootIdOf(v.build.recordId, s.index),
    region: '',
  };
}

function summary(base: ReturnType<typeof where>, t: TestCounts, timeMs: number, at: number | null): Summary {
  return {
    ...base,
    total: t.tests,
    success: passedOf(t),
    failures: t.failures,
    errors: t.errors,
    others: t.skipped,
    execution_time: timeMs,
    genrate_time: recordTime(at),
    is_success: t.failures === 0 && t.errors === 0,
  };
}

const withTests = (v: BuildView): WithTests[] => v.steps.filter((s): s is WithTests => s.tests !== undefined);
const stepTime = (s: BuildStep) =>
  s.startedAt !== null && s.finishedAt !== null ? s.finishedAt - s.startedAt : 0;

function sumCounts(steps: WithTests[]): TestCounts {
  const total: TestCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const s of steps)
    for (const k of ['tests', 'failures', 'errors', 'skipped'] as const) total[k] += s.tests[k];
  return total;
}

/** ListJunitCoverageSummary. */
export function toJunitList(v: BuildView): Static<typeof JunitList> {
  return {
    status: 'success',
    error: null,
    result: { unit_summary_list: withTests(v).map((s) => where(v, s)) },
  };
}

/** ShowReportSummary: the sum is keyed to the build (stage_name "", root_id the record id). */
export function toReportSummary(v: BuildView): Static<typeof ReportSummary> {
  const steps = withTests(v);
  const subs = steps.map((s) => summary(where(v, s), s.tests, stepTime(s), s.finishedAt));
  const total = sumCounts(steps);
  const ends = steps.flatMap((s) => (s.finishedAt === null ? [] : [s.finishedAt]));
  const last = ends.length > 0 ? Math.max(...ends) : null;
  const base = {
    job_id: v.build.jobId,
    build_no: v.build.number,
    stage_name: '',
    root_id: v.build.recordId,
    region: '',
  };
  const time = steps.reduce((sum, s) => sum + stepTime(s), 0);
  return {
    status: 'success',
    error: null,
    result: { summary: summary(base, total, time, last), sub_summarys: subs },
  };
}

const countsOf = (t: TestCounts) => ({
  tests: t.tests,
  passed: passedOf(t),
  failures: t.failures,
  errors: t.errors,
  skipped: t.skipped,
});

/** Kiln's build tests. */
export function toBuildTests(page: TestCasePage): Static<typeof BuildTests> {
  const { view } = page;
  const steps = page.steps as WithTests[];
  return {
    status: 'success',
    result: {
      job_id: view.build.jobId,
      build_no: view.build.number,
      total: countsOf(sumCounts(steps)),
      steps: steps.map((s) => ({
        index: s.index,
        name: s.name,
        root_id: rootIdOf(view.build.recordId, s.index),
        ...countsOf(s.tests),
        coverage: s.coverage
          ? {
              format: s.coverage.format,
              lines_covered: s.coverage.linesCovered,
              lines_total: s.coverage.linesTotal,
              branches_covered: s.coverage.branchesCovered,
              branches_total: s.coverage.branchesTotal,
            }
          : null,
      })),
      cases: page.cases.map((c) => ({
        step: c.stepIndex,
        suite: c.suite,
        class_name: c.className,
        name: c.name,
        status: c.status,
        duration_ms: c.durationMs,
        message: c.message,
        detail: c.detail,
      })),
      cases_total: page.total,
      cases_kept: page.kept,
    },
  };
}

/** Kiln's test trend. */
export function toTestTrend(jobId: string, points: TestTrendPoint[]): Static<typeof TestTrend> {
  return {
    status: 'success',
    result: {
      job_id: jobId,
      builds: points.map((p) => ({
        build_no: p.buildNumber,
        record_id: p.recordId,
        status: p.state,
        start_time: p.startTime,
        ...countsOf(p.counts),
        lines_covered: p.coverage?.linesCovered ?? null,
        lines_total: p.coverage?.linesTotal ?? null,
      })),
    },
  };
}
