import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

type HistoryOps = 'addFavouriteTask' | 'removerFavouriteTask' | 'listUpdateJobHistory' | 'showJobConfigDiff';

/** A job's history of changes and their differences, and the caller's favourites. */
export function jobHistoryHandlers(deps: RouteDeps): HandlerGroup<HistoryOps> {
  const { jobs } = deps.engine;
  return {
    async addFavouriteTask({ caller, params }) {
      await jobs.setFavourite(caller, params.job_id, true);
      return ok({ favorite: true });
    },
    async removerFavouriteTask({ caller, params }) {
      await jobs.setFavourite(caller, params.job_id, false);
      return ok({ favorite: false });
    },
    async listUpdateJobHistory({ caller, params, query }) {
      const size = query.page_size ?? 10;
      const page = Math.max(query.page_no ?? 1, 1);
      const { items, total } = await jobs.history(caller, params.job_id, {
        limit: size,
        offset: (page - 1) * size,
      });
      return ok({
        job_update_records: items.map(({ version, user }) => ({
          id: `${version.jobId}-${version.number}`,
          update_number: version.number,
          update_type: version.change,
          user_id: version.userId,
          user_name: user?.name ?? '',
          nick_name: user?.displayName ?? '',
          update_at: version.createdAt,
        })),
        total,
      });
    },
    async showJobConfigDiff({ caller, params, query }) {
      const diff = await jobs.diff(caller, params.job_id, query.original_no, query.revisedl_no);
      return { result: diff, status: 'success' };
    },
  };
}
