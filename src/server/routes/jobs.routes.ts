import { jobListQuery } from '../../domain/job-list.ts';
import { flag } from '../../domain/query-values.ts';
import type { JobConfigBody, UpdateJobBody } from '../../contract/jobs.ts';
import { fromInput } from '../../domain/job-document.ts';
import type { Principal } from '../../domain/identity.ts';
import { toJobListItem, toUserJobListItem } from '../mappers/job.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok, SUCCESS } from './deps.ts';

type JobOps =
  | 'createBuildJob'
  | 'createNewJob'
  | 'updateBuildJob'
  | 'updateNewJob'
  | 'listJobConfig'
  | 'showJobConfig'
  | 'deleteBuildJob'
  | 'deleteTheJob'
  | 'disableBuildJob'
  | 'enableBuildJob'
  | 'showJobListByProjectId'
  | 'listProjectJobs'
  | 'listJob';

/** Creating, reading, changing and deleting jobs. */
export function jobHandlers(deps: RouteDeps): HandlerGroup<JobOps> {
  const { jobs, clock, retention } = deps.engine;

  const create = async ({ caller, body }: { caller: Principal; body: JobConfigBody }) =>
    ok({ job_id: (await jobs.create(caller, fromInput(body))).id });
  const update = async ({ caller, body }: { caller: Principal; body: UpdateJobBody }) => {
    const { job_id, ...config } = fromInput(body);
    const job = await jobs.update(caller, job_id, config);
    // A tighter build retention takes effect now, not at the next sweep.
    retention.kick(job.id);
    return ok({ job_id: job.id });
  };
  const config = async ({
    caller,
    params,
    query,
  }: {
    caller: Principal;
    params: { job_id: string };
    query: { get_all_params?: string };
  }) => ok(await jobs.config(caller, params.job_id, flag('get_all_params', query.get_all_params)));
  const remove = async (caller: Principal, jobId: string) => {
    const job = await jobs.remove(caller, jobId);
    return { result: { job_id: job.id, project_id: job.projectId }, status: 'success' };
  };
  const list = async (caller: Principal, projectId: string, q: Parameters<typeof jobListQuery>[0]) => {
    const { items, total } = await jobs.list(caller, projectId, jobListQuery(q));
    const now = clock.now();
    return { jobs: items.map((s) => toJobListItem(s, now)), total };
  };

  return {
    createBuildJob: create,
    createNewJob: create,
    updateBuildJob: update,
    updateNewJob: update,
    listJobConfig: config,
    showJobConfig: config,
    // The v3 answer is {result, status}; the v1 one also carries `error` (reference Appendix A).
    deleteBuildJob: ({ caller, params }) => remove(caller, params.job_id),
    deleteTheJob: async ({ caller, params }) => ({ ...(await remove(caller, params.job_id)), error: null }),
    async disableBuildJob({ caller, params }) {
      await jobs.setDisabled(caller, params.job_id, true);
      return SUCCESS;
    },
    async enableBuildJob({ caller, params }) {
      await jobs.setDisabled(caller, params.job_id, false);
      return SUCCESS;
    },
    // The v3 list has no search parameter (unknown parameters are ignored); the v1 list has one.
    showJobListByProjectId: ({ caller, params, query }) =>
      list(caller, params.project_id, { page_index: query.page_index, page_size: query.page_size }),
    listProjectJobs: ({ caller, params, query }) => list(caller, params.project_id, query),
    async listJob({ caller, query }) {
      const { items, total } = await jobs.listVisible(caller, jobListQuery(query));
      const now = clock.now();
      return { result: { total, job_list: items.map((s) => toUserJobListItem(s, now)) }, status: 'success' };
    },
  };
}
