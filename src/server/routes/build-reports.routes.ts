import { formatWallClock } from '../../domain/time.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';

type ReportOps =
  'showJobBuildSuccessRatio' | 'showJobBuildTime' | 'listRepository' | 'listRepoBranch' | 'showJobInsights';

/** A job's build insight: success ratio and build time over days, its repository and branches. */
export function buildReportHandlers(deps: RouteDeps): HandlerGroup<ReportOps> {
  const { reports, timeZone } = deps.engine;
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
    async showJobInsights({ caller, params, query }) {
      const r = await reports.insights(caller, params.job_id, query.days ?? 90);
      return {
        result: {
          job_id: r.job.id,
          from: formatWallClock(r.window.from, timeZone),
          to: formatWallClock(r.window.to, timeZone),
          default_branch: r.defaultBranch,
          builds_read: r.read,
          complete: r.complete,
          flaky: r.flaky.map((f) => ({
            commit_id: f.commitId,
            builds: f.builds.map((b) => ({
              build_number: b.number,
              state: b.state,
              start_time: b.startTime,
            })),
          })),
          weeks: r.weeks.map((w) => ({
            week: w.week,
            builds: w.builds,
            default_branch_builds: w.defaultBranchBuilds,
            default_branch_failures: w.defaultBranchFailures,
            change_failure_rate: w.changeFailureRate,
            time_to_restore_ms: w.timeToRestoreMs,
            lead_time_ms: w.leadTimeMs,
            duration_p50_ms: w.durationP50Ms,
            duration_p90_ms: w.durationP90Ms,
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
