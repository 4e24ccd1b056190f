import type { HandlerGroup, RouteDeps } from './deps.ts';

type ReportOps = 'showJobBuildSuccessRatio' | 'showJobBuildTime' | 'listRepository' | 'listRepoBranch';

/** A job's build insight: success ratio and build time over days, its repository and branches. */
export function buildReportHandlers(deps: RouteDeps): HandlerGroup<ReportOps> {
  const { reports } = deps.engine;
  return {
    async showJobBuildSuccessRatio({ caller, query }) {
      const branch = query.branch ?? '';
      const r = await reports.successRatio(
        caller,
        query.job_id,
        query.repository_name,
        branch,
        query.interval,
      );
      return {
        result: {
          job_id: query.job_id,
          branch,
          total_success_count: r.success,
          total_count: r.total,
          total_success_ratio_fraction: `${r.success}/${r.total}`,
          every_day_report: r.perDay.map((d) => ({ date: d.date, success_ratio: d.ratio })),
        },
        status: 'success',
      };
    },
    async showJobBuildTime({ caller, query }) {
      const branch = query.branch ?? '';
      const r = await reports.buildTimes(caller, query.job_id, query.repository_name, branch, query.interval);
      return {
        result: {
          job_id: query.job_id,
          avg_build_time: r.average,
          max_build_time: r.max,
          min_build_time: r.min,
          chart: r.builds.map((b) => ({
            daily_build_number: b.dailyBuildNumber,
            build_number: b.number,
            build_time: b.buildTime ?? 0,
            build_result: b.state,
          })),
        },
        status: 'success',
      };
    },
    async listRepository({ caller, params }) {
      return { status: 'success', error: null, result: await reports.repositories(caller, params.job_id) };
    },
    async listRepoBranch({ caller, query }) {
      return {
        status: 'success',
        result: await reports.branches(caller, query.job_id, query.repository_name),
      };
    },
  };
}
