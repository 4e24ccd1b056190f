import type { Static } from 'typebox';
import type { JunitList, ReportSummary } from '../../contract/test-reports.ts';
import type { BuildStep, TestCounts } from '../../domain/build.ts';
import type { BuildView } from '../../engine/build-service.ts';
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
    root_id: `${v.build.recordId}-${key}`,
    region: '',
  };
}

function summary(base: ReturnType<typeof where>, t: TestCounts, timeMs: number, at: number | null): Summary {
  return {
    ...base,
    total: t.tests,
    success: Math.max(0, t.tests - t.failures - t.errors - t.skipped),
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
  const total: TestCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const s of steps)
    for (const k of ['tests', 'failures', 'errors', 'skipped'] as const) total[k] += s.tests[k];
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
