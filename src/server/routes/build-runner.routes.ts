import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

/** Which runner ran a build (Kiln's own). */
export function buildRunnerHandlers(deps: RouteDeps): HandlerGroup<'showBuildRunner'> {
  const { builds } = deps.engine;
  return {
    async showBuildRunner({ caller, params }) {
      const runner = await builds.runnerOf(caller, params.job_id, params.build_no);
      return ok({ ran: runner !== undefined, name: '', kind: '' as const, arch: '', pool: '', ...runner });
    },
  };
}
