import { invalidParam } from '../../domain/errors.ts';
import { toGroupResult, toGroupTree } from '../mappers/job-group.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { DONE, ok } from './deps.ts';

type GroupOps =
  'createJobGroup' | 'updateJobGroup' | 'deleteGroup' | 'moveGroup' | 'switchedPacket' | 'listGroupTree';

/** The group tree of a project: folders of jobs. */
export function jobGroupHandlers(deps: RouteDeps): HandlerGroup<GroupOps> {
  const { groups, timeZone } = deps.engine;
  /** The body's project, when it names one, is the path's. */
  const sameProject = (path: string, body: string | undefined) => {
    if (body && body !== path) throw invalidParam(`project_id: the body names ${body}, the path ${path}`);
  };
  const answer = async (domainId: string, group: Parameters<typeof groups.named>[0][number]) => {
    const [named] = await groups.named([group]);
    return ok([toGroupResult(named!, domainId, timeZone)]);
  };
  return {
    async createJobGroup({ caller, params, body }) {
      sameProject(params.project_id, body.project_id);
      const group = await groups.create(caller, params.project_id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.parent_id !== undefined && { parentId: body.parent_id }),
      });
      return answer(caller.user.domainId, group);
    },
    async updateJobGroup({ caller, params, body }) {
      sameProject(params.project_id, body.project_id);
      const group = await groups.update(caller, params.project_id, {
        // The group to change is `id` (the reference's example); `group_id` names it too.
        ...((body.id ?? body.group_id) !== undefined && { id: body.id ?? body.group_id }),
        ...(body.name !== undefined && { name: body.name }),
        ...(body.parent_id !== undefined && { parentId: body.parent_id }),
      });
      return answer(caller.user.domainId, group);
    },
    async deleteGroup({ caller, params, query }) {
      await groups.remove(caller, params.project_id, query.id);
      return DONE;
    },
    async moveGroup({ caller, params, body }) {
      const jobIds = [...new Set(body.jobs.map((j) => j.job_id))];
      const moved = await groups.moveJobs(caller, params.project_id, body.group_id, jobIds);
      return ok(moved.map((m) => ({ job_id: m.jobId, group_path_id: m.groupPathId })));
    },
    async switchedPacket({ caller, params, query }) {
      await groups.swap(caller, params.project_id, query.source_group_id, query.target_group_id);
      return DONE;
    },
    async listGroupTree({ caller, params }) {
      const named = await groups.list(caller, params.project_id);
      return ok(toGroupTree(named, caller.user.domainId, timeZone));
    },
  };
}
