import { Type } from 'typebox';
import { Id32, WireInt } from './common.ts';

/** Build insight reports of a job (reference Appendix A.6): success ratio, build time, repositories, branches. */

/** ShowJobBuildSuccessRatio / ShowJobBuildTime query. */
export const IntervalReportQuery = Type.Object({
  job_id: Id32('Build task (job) id'),
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
        build_time: Type.Integer({ description: 'ms it ran' }),
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
  job_id: Id32('Build task (job) id'),
  repository_name: Type.String({ maxLength: 128, description: 'The repository the job builds' }),
});

/** ListRepoBranch answer. */
export const BranchesResult = Type.Object({ status: Type.String(), result: Type.Array(Type.String()) });
