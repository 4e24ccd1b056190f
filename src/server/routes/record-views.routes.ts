import { toRecordDetail } from '../mappers/build.mapper.ts';
import { toRecordInfoV3 } from '../mappers/record-info.mapper.ts';
import { toBuildRecord, toBuildScript, toFullStages, toStepStatus } from '../mappers/record-view.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

type RecordViewOps =
  | 'showBuildRecord'
  | 'showBuildRecordFullStages'
  | 'showBuildRecordBuildScript'
  | 'showJobBuildRecordDetail'
  | 'showRecordInfo'
  | 'showJobStepStatus';

/** One build record seen the v1 ways: by record id, its stages, its build.yml, its status. */
export function recordViewHandlers(deps: RouteDeps): HandlerGroup<RecordViewOps> {
  const { builds, clock } = deps.engine;
  return {
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
