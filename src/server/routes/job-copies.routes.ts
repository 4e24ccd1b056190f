import { fromInput } from '../../domain/job-document.ts';
import { formatOffsetTime } from '../../domain/time.ts';
import { toJobInfo } from '../mappers/job.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok, SUCCESS } from './deps.ts';

type CopyOps =
  | 'showLastHistory'
  | 'showJobInfo'
  | 'listBuildParameter'
  | 'copyJob'
  | 'showCopyName'
  | 'checkJobNameIsExists'
  | 'checkWebhookUrl'
  | 'checkJobCountIsTopLimit'
  | 'showDisable'
  | 'disableTheJob'
  | 'stopTheJob';

/**
 * A repository's last successful build, one job's summary and a build's parameters, copies of jobs, the checks a client makes before
 * creating one, and the v1 disable and stop.
 */
export function jobCopyHandlers(deps: RouteDeps): HandlerGroup<CopyOps> {
  const { jobs, builds, clock, timeZone } = deps.engine;
  return {
    async showLastHistory({ caller, params, query }) {
      const { job, build } = await jobs.lastSuccessOfRepository(
        caller,
        params.project_id,
        query.repository_name,
      );
      return {
        record_id: build.dailyBuildNumber,
        job_id: job.id,
        job_name: job.name,
        build_number: build.number,
        start_time: formatOffsetTime(build.runStartedAt ?? build.startTime, timeZone),
        end_time: formatOffsetTime(build.finishedAt ?? build.startTime, timeZone),
        result: build.state,
        commit_id: build.commitId,
      };
    },
    async showJobInfo({ caller, params }) {
      return ok(toJobInfo(await jobs.info(caller, params.job_id), clock.now()));
    },
    async listBuildParameter({ caller, params }) {
      return ok(await builds.parameters(caller, params.job_id, params.build_no));
    },
    async copyJob({ caller, body }) {
      const { copy_job_id, ...config } = fromInput(body);
      return ok({ job_id: (await jobs.copy(caller, copy_job_id, config)).id });
    },
    async showCopyName({ caller, params }) {
      return ok(await jobs.copyName(caller, params.job_id));
    },
    async checkJobCountIsTopLimit({ caller, query }) {
      return { result: await jobs.limitReached(caller, query.project_id), error: null, status: 'success' };
    },
    async checkJobNameIsExists({ caller, query }) {
      return { result: await jobs.nameTaken(caller, query.project_id, query.job_name), status: 'success' };
    },
    async checkWebhookUrl({ caller, body }) {
      await jobs.checkNoticeWebhook(caller, body.job_id, body.notice_type, body.webhook_url);
      return { error: null, status: 'success' };
    },
    async showDisable({ caller, params }) {
      const { job, by, since } = await jobs.disabledState(caller, params.job_id);
      return ok({
        forbiddener: by?.name ?? '',
        reson: job.disabledReason,
        disabled: job.disabled ? 1 : 0,
        job_id: job.id,
        job_name: job.name,
        forbidden_time: since ?? 0,
      });
    },
    async disableTheJob({ caller, params, body }) {
      await jobs.setDisabled(caller, params.job_id, body.disabled, body.reason ?? '');
      return SUCCESS;
    },
    async stopTheJob({ caller, params, query }) {
      const { stopped, message } = await builds.stopLatest(caller, params.job_id, query.build_no);
      return stopped ? SUCCESS : { status: 'fail', error: message };
    },
  };
}
