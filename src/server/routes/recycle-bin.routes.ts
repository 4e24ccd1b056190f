import { toRecyclingJob } from '../mappers/recycle-bin.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok, SUCCESS } from './deps.ts';

type BinOps =
  | 'batchDeleteBuildJobs'
  | 'listRecyclingJob'
  | 'restoreRecyclingJobs'
  | 'deleteRecyclingJobs'
  | 'clearRecyclingJobs'
  | 'setKeepTime';

/** The recycle bin: deleting jobs into it, listing it, restoring from it and emptying it. */
export function recycleBinHandlers(deps: RouteDeps): HandlerGroup<BinOps> {
  const { jobs, bin, timeZone } = deps.engine;
  return {
    // All or none; the answer names the last job, as CodeArts' does.
    async batchDeleteBuildJobs({ caller, body }) {
      const deleted = await jobs.removeMany(caller, body.job_ids);
      const last = deleted[deleted.length - 1]!;
      return ok({ job_id: last.id, project_id: last.projectId });
    },
    async listRecyclingJob({ caller, query }) {
      const size = query.page_size ?? 10;
      const page = Math.max(query.page_no ?? 1, 1);
      const { items, total } = await bin.list(caller, {
        ...(query.search && { search: query.search }),
        limit: size,
        offset: (page - 1) * size,
      });
      return {
        success: true,
        message: '',
        err_code: '',
        result: {
          keep_time: await bin.keepDays(caller),
          total,
          job_list: items.map((r) => toRecyclingJob(r, timeZone)),
        },
        status: 'success',
      };
    },
    async restoreRecyclingJobs({ caller, body }) {
      await bin.restore(caller, body.job_ids);
      return { error: null, status: 'success' };
    },
    async deleteRecyclingJobs({ caller, body }) {
      await bin.purge(caller, body.job_ids);
      return SUCCESS;
    },
    async clearRecyclingJobs({ caller }) {
      await bin.clear(caller);
      return { error: null, status: 'success' };
    },
    async setKeepTime({ caller, body }) {
      await bin.setKeepDays(caller, body.keep_time);
      return { result: { keep_time: body.keep_time }, error: null, status: 'success' };
    },
  };
}
