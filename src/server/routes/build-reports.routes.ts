import type { FlakyCommit, SlowStage, WeekInsight } from '../../domain/insights.ts';
import { formatWallClock } from '../../domain/time.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';

type ReportOps =
  | 'showJobBuildSuccessRatio'
  | 'showJobBuildTime'
  | 'listRepository'
  | 'listRepoBranch'
  | 'showJobInsights'
  | 'showProjectInsights';

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
            // Seconds here (the reference's chart), where every other build_time is ms.
            build_time: Math.round((b.buildTime ?? 0) / 1000),
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
          ...windowOf(r, timeZone),
          default_branch: r.defaultBranch,
          flaky: r.flaky.map((f) => ({ commit_id: f.commitId, builds: flakyBuilds(f) })),
          weeks: r.weeks.map(toWeek),
          stages: r.stages.map(toStage),
        },
        status: 'success',
      };
    },
    async showProjectInsights({ caller, params, query }) {
      const r = await reports.projectInsights(caller, params.project_id, query.days ?? 90);
      return {
        result: {
          project_id: params.project_id,
          ...windowOf(r, timeZone),
          jobs: r.jobs.length,
          flaky: r.flaky.map((f) => {
            const job = r.jobs[f.job];
            return {
              job_id: job?.id ?? '',
              job_name: job?.name ?? '',
              commit_id: f.commitId,
              builds: flakyBuilds(f),
            };
          }),
          weeks: r.weeks.map(toWeek),
          stages: r.stages.map((st) => ({
            job_id: r.jobs[st.job]?.id ?? '',
            job_name: r.jobs[st.job]?.name ?? '',
            ...toStage(st),
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

/** The window of an insights answer, in the server's time zone. */
function windowOf(
  r: { window: { from: number; to: number }; read: number; complete: boolean },
  timeZone: string,
) {
  return {
    from: formatWallClock(r.window.from, timeZone),
    to: formatWallClock(r.window.to, timeZone),
    builds_read: r.read,
    complete: r.complete,
  };
}

function flakyBuilds(f: FlakyCommit) {
  return f.builds.map((b) => ({ build_number: b.number, state: b.state, start_time: b.startTime }));
}

function toWeek(w: WeekInsight) {
  return {
    week: w.week,
    builds: w.builds,
    default_branch_builds: w.defaultBranchBuilds,
    default_branch_failures: w.defaultBranchFailures,
    change_failure_rate: w.changeFailureRate,
    time_to_restore_ms: w.timeToRestoreMs,
    lead_time_ms: w.leadTimeMs,
    duration_p50_ms: w.durationP50Ms,
    duration_p90_ms: w.durationP90Ms,
  };
}

function toStage(st: SlowStage) {
  return { name: st.name, runs: st.runs, p50_ms: st.p50Ms, p90_ms: st.p90Ms, max_ms: st.maxMs };
}
