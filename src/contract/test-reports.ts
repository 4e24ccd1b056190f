import { Type } from 'typebox';
import { Envelope, JobId, WireInt } from './common.ts';

/** Unit-test reports of a build (reference Appendix A.6): the JUnit counts its steps collected. */

const BuildNo = WireInt({ minimum: 1, maximum: 2147483647, description: 'Build number' });

/** ListJunitCoverageSummary query. */
export const JunitListQuery = Type.Object({ job_id: JobId('Build task (job) id'), build_no: BuildNo });

/** ShowReportSummary query. */
export const ReportSummaryQuery = Type.Object({ build_no: BuildNo });

const Where = {
  job_id: Type.String(),
  build_no: Type.Integer(),
  stage_name: Type.String({ description: 'The stage key of the step (stage1, stage2, ...)' }),
  root_id: Type.String({ description: "The step's reports: `<record id's hex>-s<step number>`" }),
  region: Type.String({ description: '"" (a self-hosted server has no region)' }),
};

/** ListJunitCoverageSummary answer: the stages that collected reports. */
export const JunitList = Envelope(Type.Object({ unit_summary_list: Type.Array(Type.Object(Where)) }));

const Summary = Type.Object({
  ...Where,
  total: Type.Integer(),
  success: Type.Integer(),
  failures: Type.Integer(),
  errors: Type.Integer(),
  others: Type.Integer({ description: 'Skipped test cases' }),
  execution_time: Type.Integer({ description: "ms: the step's duration" }),
  genrate_time: Type.String({ description: 'When the step ended (sic: the reference spells it so)' }),
  is_success: Type.Boolean({ description: 'No failure and no error' }),
});

/** ShowReportSummary answer: the build's total and one summary per stage with reports. */
export const ReportSummary = Envelope(Type.Object({ summary: Summary, sub_summarys: Type.Array(Summary) }));

/** DownloadJunitCoverageZip query: the build and the stage (a ListJunitCoverageSummary root_id). */
export const JunitZipQuery = Type.Object({
  job_id: JobId('Build task (job) id'),
  build_no: BuildNo,
  root_id: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,40}$',
    description: 'A stage of ListJunitCoverageSummary',
  }),
});

const Counts = {
  tests: Type.Integer(),
  passed: Type.Integer(),
  failures: Type.Integer(),
  errors: Type.Integer(),
  skipped: Type.Integer(),
};

const CoverageFields = Type.Object({
  format: Type.String({ description: 'jacoco or cobertura' }),
  lines_covered: Type.Integer(),
  lines_total: Type.Integer(),
  branches_covered: Type.Integer(),
  branches_total: Type.Integer(),
});

/** Kiln's build tests query: a page of the kept cases, of one status or all. */
export const BuildTestsQuery = Type.Object({
  status: Type.Optional(Type.Enum(['passed', 'failed', 'error', 'skipped'])),
  offset: Type.Optional(WireInt({ minimum: 0, maximum: 2147483647, default: 0 })),
  limit: Type.Optional(WireInt({ minimum: 1, maximum: 500, default: 100 })),
});

/** Kiln's build tests: the counts of each step that read reports, its coverage, and the cases kept. */
export const BuildTests = Type.Object({
  result: Type.Object({
    job_id: Type.String(),
    build_no: Type.Integer(),
    total: Type.Object(Counts),
    steps: Type.Array(
      Type.Object({
        index: Type.Integer({ description: 'The step (0-based)' }),
        name: Type.String(),
        root_id: Type.String({ description: 'As ListJunitCoverageSummary names it' }),
        ...Counts,
        coverage: Type.Union([CoverageFields, Type.Null()]),
      }),
    ),
    cases: Type.Array(
      Type.Object({
        step: Type.Integer(),
        suite: Type.String(),
        class_name: Type.String(),
        name: Type.String(),
        status: Type.String(),
        duration_ms: Type.Integer(),
        message: Type.String(),
        detail: Type.String(),
      }),
    ),
    cases_total: Type.Integer({ description: 'Kept cases matching the status (a page lists some)' }),
    cases_kept: Type.Integer({ description: 'Kept cases of every status (the counts may be larger)' }),
  }),
  status: Type.String(),
});

/** Kiln's test trend query. */
export const TestTrendQuery = Type.Object({
  builds: Type.Optional(
    WireInt({ minimum: 1, maximum: 500, default: 50, description: "The job's latest builds" }),
  ),
});

/** Kiln's test trend: the builds with test reports among the job's latest, newest first. */
export const TestTrend = Type.Object({
  result: Type.Object({
    job_id: Type.String(),
    builds: Type.Array(
      Type.Object({
        build_no: Type.Integer(),
        record_id: Type.String(),
        status: Type.String(),
        start_time: Type.Integer({ description: 'Epoch ms' }),
        ...Counts,
        lines_covered: Type.Union([Type.Integer(), Type.Null()]),
        lines_total: Type.Union([Type.Integer(), Type.Null()]),
      }),
    ),
  }),
  status: Type.String(),
});
