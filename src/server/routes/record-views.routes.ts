import { toRecordDetail } from '../mappers/build.mapper.ts';
import { recordFilter } from '../../domain/record-filter.ts';
import { toRecordInfoV3 } from '../mappers/record-info.mapper.ts';
import {
  toBriefRecord,
  toBuildRecord,
  toBuildScript,
  toFullStages,
  toStepStatus,
} from '../mappers/record-view.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

type RecordViewOps =
  | 'showBuildRecord'
  | 'showBuildRecordFullStages'
  | 'showBuildRecordBuildScript'
  | 'showJobBuildRecordDetail'
  | 'showRecordInfo'
  | 'showJobStepStatus'
  | 'listRecords'
  | 'showJobTotal'
  | 'listBriefRecord'
  | 'showBuildDetails';

/** One build record seen the v1 ways: by record id, its stages, its build.yml, its status. */
export function recordViewHandlers(deps: RouteDeps): HandlerGroup<RecordViewOps> {
  const { builds, clock, records, directory } = deps.engine;
  return {
    async listRecords({ caller, params, query }) {
      const page = query.page ?? 0;
      const limit = query.limit ?? 10;
      const {
        jobs,
        builds: found,
        total,
      } = await records.filtered(caller, params.build_project_id, {
        page,
        limit,
        ...(query.from_date !== undefined && { fromDate: query.from_date }),
        ...(query.to_date !== undefined && { toDate: query.to_date }),
        filter: recordFilter(query),
      });
      const now = clock.now();
      const views = await builds.recordViews(jobs, found);
      return ok({ pagination: { page, limit, total }, data: views.map((v) => toBuildRecord(v, now).result) });
    },
    async showJobTotal({ caller, params, query }) {
      const total = await records.total(caller, params.build_project_id, query.from_date, query.to_date);
      return { result: { total }, status: 'success', error: null };
    },
    async listBriefRecord({ caller, query, body }) {
      const latest = await records.latestOf(caller, body, query.limit ?? 10);
      const now = clock.now();
      return {
        result: latest.map(({ jobId, builds: list }) => ({
          project_id: jobId,
          brief_build_record_dtos: list.map((b) => toBriefRecord(b, jobId, now)),
        })),
        error: null,
        status: 'success',
      };
    },
    async showBuildDetails({ caller, params }) {
      const build = await records.one(caller, params.job_id, params.build_no);
      const finished = build.runningStatus === 'Finished';
      const region = await directory.regionOf(caller);
      return ok({ building: !finished, build_result: finished ? build.state : '', region });
    },
    async showBuildRecord({ caller, params }) {
      return toBuildRecord(await builds.view(caller, params.record_id), clock.now());
    },
    // `cascade` asks for sub-stages too; Kiln's stages have none, so both answers are the same.
    async showBuildRecordFullStages({ caller, params }) {
      return toFullStages(await builds.view(caller, params.record_id), clock.now());
    },
    async showBuildRecordBuildScript({ caller, params }) {
      return ok(toBuildScript(await builds.view(caller, params.record_id)));
    },
    async showJobBuildRecordDetail({ caller, params }) {
      const details = await builds.details(caller, params.job_id, params.build_no);
      return toRecordDetail(details, caller.user.domainId, clock.now());
    },
    async showRecordInfo({ caller, params }) {
      const details = await builds.details(caller, params.job_id, params.build_no);
      return toRecordInfoV3(details, caller.user.domainId, clock.now());
    },
    async showJobStepStatus({ caller, params, query }) {
      return ok(toStepStatus(await builds.viewByNumber(caller, params.job_id, query.build_no)));
    },
  };
}
