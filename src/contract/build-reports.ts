import { Type } from 'typebox';
import { JobId, RepositoryName, WireInt } from './common.ts';

/** Build insight reports of a job (reference Appendix A.6): success ratio, build time, repositories, branches. */

/** ShowJobBuildSuccessRatio / ShowJobBuildTime query. */
export const IntervalReportQuery = Type.Object({
  job_id: JobId('Build task (job) id'),
  repository_name: Type.String({
    minLength: 1,
    maxLength: 128,
    description: 'The repository the job builds',
  }),
  branch: Type.Optional(
    Type.String({ maxLength: 200, description: "Only this branch's builds; '' or absent: all" }),
  ),
  interval: WireInt({ minimum: 1, maximum: 30, description: 'Days, today included (server time zone)' }),
});

/** ShowJobBuildSuccessRatio answer. */
export const SuccessRatioReport = Type.Object({
  result: Type.Object({
    job_id: Type.String(),
    branch: Type.String(),
    total_success_count: Type.Integer(),
    total_count: Type.Integer({ description: 'Builds with an outcome: SUCCESS, FAILURE or timeout' }),
    total_success_ratio_fraction: Type.String({ description: 'success/total, e.g. "4/5" ("0/0" for none)' }),
    every_day_report: Type.Array(
      Type.Object({
        date: Type.String({ description: 'yyyy-MM-dd' }),
        success_ratio: Type.Integer({
          description: "Percent of the day's builds with an outcome (0 when none)",
        }),
      }),
    ),
  }),
  status: Type.String(),
});

/** ShowJobBuildTime answer. */
export const BuildTimeReport = Type.Object({
  result: Type.Object({
    job_id: Type.String(),
    avg_build_time: Type.Number({ description: 'ms' }),
    max_build_time: Type.Integer({ description: 'ms' }),
    min_build_time: Type.Integer({ description: 'ms' }),
    chart: Type.Array(
      Type.Object({
        daily_build_number: Type.String(),
        build_number: Type.Integer(),
        build_time: Type.Integer({ description: 'seconds it ran (rounded)' }),
        build_result: Type.String(),
      }),
    ),
  }),
  status: Type.String(),
});

/** ListRepository answer. */
export const RepositoriesResult = Type.Object({
  status: Type.String(),
  error: Type.Null(),
  result: Type.Object({ latest: Type.String(), repositories: Type.Array(Type.String()) }),
});

/** ListRepoBranch query. */
export const RepoBranchQuery = Type.Object({
  job_id: JobId('Build task (job) id'),
  repository_name: RepositoryName({ maxLength: 128, description: 'The repository the job builds' }),
});

/** ListRepoBranch answer. */
export const BranchesResult = Type.Object({ status: Type.String(), result: Type.Array(Type.String()) });

/** Kiln's insights query: the last `days` days, today included (server time zone). */
export const InsightsQuery = Type.Object({
  days: Type.Optional(
    WireInt({ minimum: 1, maximum: 366, default: 90, description: 'Days, today included' }),
  ),
});

const MsOrNull = Type.Union([Type.Integer(), Type.Null()]);

const FlakyBuilds = Type.Array(
  Type.Object({ build_number: Type.Integer(), state: Type.String(), start_time: Type.Integer() }),
);
const FLAKY = 'Commits built more than once with different outcomes (SUCCESS and FAILURE/timeout)';

const Weeks = Type.Array(
  Type.Object({
    week: Type.String({ description: 'yyyy-MM-dd of its Monday' }),
    builds: Type.Integer({ description: 'Builds started in the week' }),
    default_branch_builds: Type.Integer({
      description: "Of the job's branch (each job's, for a project), finished with an outcome",
    }),
    default_branch_failures: Type.Integer(),
    change_failure_rate: Type.Number({ description: 'failures / default-branch builds (0..1)' }),
    time_to_restore_ms: Type.Union([Type.Integer(), Type.Null()], {
      description: "Mean ms from a failure that turned a job's branch red to the next success's end",
    }),
    lead_time_ms: Type.Union([Type.Integer(), Type.Null()], {
      description: "Median ms from a commit's time to its first successful build's end",
    }),
    duration_p50_ms: MsOrNull,
    duration_p90_ms: MsOrNull,
  }),
);

const Stage = {
  name: Type.String({ description: "The step's name" }),
  runs: Type.Integer({ description: 'Times it ran and ended in the latest 1,000 builds of the window' }),
  p50_ms: Type.Integer(),
  p90_ms: Type.Integer(),
  max_ms: Type.Integer(),
};
const STAGES =
  'The steps with the longest median time in the latest 1,000 builds of the window, slowest first (at most 10)';

const Window = {
  from: Type.String({ description: 'yyyy-MM-dd HH:mm:ss, server time zone' }),
  to: Type.String({ description: 'yyyy-MM-dd HH:mm:ss (exclusive), server time zone' }),
  builds_read: Type.Integer(),
  complete: Type.Boolean({ description: 'false when the window held more than the 100,000 builds read' }),
};

/** Kiln's insights of a job (no CodeArts operation has them). */
export const InsightsResult = Type.Object({
  result: Type.Object({
    job_id: Type.String(),
    ...Window,
    default_branch: Type.String({ description: "The job's branch: the one delivery measures count" }),
    flaky: Type.Array(Type.Object({ commit_id: Type.String(), builds: FlakyBuilds }), { description: FLAKY }),
    weeks: Weeks,
    stages: Type.Array(Type.Object(Stage), { description: STAGES }),
  }),
  status: Type.String(),
});

/** Kiln's insights of a project: its jobs the caller may view, taken together. */
export const ProjectInsightsResult = Type.Object({
  result: Type.Object({
    project_id: Type.String(),
    ...Window,
    jobs: Type.Integer({ description: 'The jobs counted: the live jobs of the project the caller may view' }),
    flaky: Type.Array(
      Type.Object({
        job_id: Type.String(),
        job_name: Type.String(),
        commit_id: Type.String(),
        builds: FlakyBuilds,
      }),
      { description: FLAKY },
    ),
    weeks: Weeks,
    stages: Type.Array(Type.Object({ job_id: Type.String(), job_name: Type.String(), ...Stage }), {
      description: STAGES,
    }),
  }),
  status: Type.String(),
});
