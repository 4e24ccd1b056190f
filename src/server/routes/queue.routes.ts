import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

/** Which runner ran a build, and what waits for a runner (Kiln's own). */
export function queueHandlers(deps: RouteDeps): HandlerGroup<'showBuildRunner' | 'showQueue'> {
  const { builds } = deps.engine;
  return {
    async showQueue({ caller }) {
      const entries = await builds.queue(caller);
      return ok({
        builds: entries.map((e) => ({
          job_id: e.job.id,
          job_name: e.job.name,
          project_id: e.job.projectId,
          build_number: e.build.number,
          daily_build_number: e.build.dailyBuildNumber,
          status:
            e.build.runningStatus === 'Running'
              ? ('running' as const)
              : e.claimed
                ? ('starting' as const)
                : ('queued' as const),
          position: e.position,
          queued_at: e.build.startTime,
          started_at: e.build.runStartedAt ?? 0,
          executor: e.build.executor,
          trigger_type: e.build.triggerType,
          needs_arch: e.needs.arch ?? '',
          needs_pool: e.needs.pool ?? '',
          runner: e.runner?.name ?? '',
          is_execute: e.mayExecute,
        })),
      });
    },
    async showBuildRunner({ caller, params }) {
      const runner = await builds.runnerOf(caller, params.job_id, params.build_no);
      return ok({ ran: runner !== undefined, name: '', kind: '' as const, arch: '', pool: '', ...runner });
    },
  };
}
