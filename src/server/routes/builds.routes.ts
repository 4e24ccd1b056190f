import type { RunJobBody } from '../../contract/builds.ts';
import { runName } from '../../domain/ids.ts';
import type { Principal } from '../../domain/identity.ts';
import {
  toHistoryDetails,
  toHistoryRecord,
  toPeriodHistoryRecord,
  toRecordDetail,
} from '../mappers/build.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

type BuildOps =
  | 'runJob'
  | 'executeJob'
  | 'stopBuildJob'
  | 'stopJob'
  | 'showJobStatus'
  | 'showRunningStatus'
  | 'showListHistory'
  | 'showListPeriodHistory'
  | 'showHistoryDetails'
  | 'showRecordDetail'
  | 'listCommitMessages';

/** Running, stopping and looking at builds. */
export function buildHandlers(deps: RouteDeps): HandlerGroup<BuildOps> {
  const { builds, clock, timeZone } = deps.engine;
  const run = async ({ caller, body }: { caller: Principal; body: RunJobBody }) => {
    const build = await builds.run(caller, body.job_id, {
      parameters: body.parameter ?? [],
      tag: body.scm?.build_tag || undefined,
      commit: body.scm?.build_commit_id || undefined,
    });
    return {
      octopus_job_name: runName(build.recordId),
      actual_build_number: String(build.number),
      daily_build_number: build.dailyBuildNumber,
    };
  };
  return {
    runJob: run,
    async listCommitMessages({ caller, params, query }) {
      const numbers = query.numbers.split(',').map(Number);
      const messages = await builds.commitMessages(caller, params.job_id, numbers);
      return ok({
        commits: [...messages].map(([number, commit]) => ({
          build_number: number,
          commit_message: commit.message,
          commit_author: commit.author,
        })),
      });
    },
    executeJob: run,
    async stopBuildJob({ caller, params }) {
      const r = await builds.stop(caller, params.job_id, params.build_no);
      return { success: r.stopped, result: r.message };
    },
    async stopJob({ caller, body }) {
      return { result: (await builds.stop(caller, body.job_id, Number(body.build_no))).stopped };
    },
    async showJobStatus({ caller, params }) {
      return { result: (await builds.status(caller, params.job_id)).active.length > 0 };
    },
    async showRunningStatus({ caller, params }) {
      const { active, last } = await builds.status(caller, params.job_id);
      return ok({
        last_job_id: params.job_id,
        last_build_no: last ? String(last.number) : '',
        last_build_status: last?.runningStatus ?? '',
        is_running: active.length > 0,
      });
    },
    async showListHistory({ caller, params, query }) {
      const page = await builds.history(caller, params.job_id, {
        offset: query.offset ?? 0,
        limit: query.limit ?? 10,
        intervalDays: query.interval ?? 7,
      });
      return { history_records: page.builds.map((b) => toHistoryRecord(b, timeZone)), total: page.total };
    },
    async showListPeriodHistory({ caller, params, query }) {
      const page = await builds.periodHistory(caller, params.job_id, {
        offset: query.offset ?? 0,
        limit: query.limit ?? 10,
        startDate: query.start_time,
        endDate: query.end_time,
      });
      return {
        total: page.total,
        history_records: page.builds.map((b) => toPeriodHistoryRecord(b, timeZone)),
      };
    },
    async showHistoryDetails({ caller, params }) {
      return toHistoryDetails(await builds.details(caller, params.job_id, params.build_number), clock.now());
    },
    async showRecordDetail({ caller, params }) {
      const details = await builds.details(caller, params.job_id, params.build_no);
      return toRecordDetail(details, caller.user.domainId, clock.now());
    },
  };
}
