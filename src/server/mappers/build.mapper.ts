import type { HistoryDetails, RecordDetail } from '../../contract/builds.ts';
import { buildTimeOf, stepTimeOf, type Build } from '../../domain/build.ts';
import { runName } from '../../domain/ids.ts';
import { formatCommitTime, formatOffsetTime } from '../../domain/time.ts';
import { shownParameters, type BuildDetails } from '../../engine/build-service.ts';

/** A row of ShowListHistory (times with the server zone's offset). */
export function toHistoryRecord(b: Build, timeZone: string) {
  return {
    record_id: b.recordId,
    job_id: b.jobId,
    build_number: b.number,
    start_time: formatOffsetTime(b.startTime, timeZone),
    end_time: b.finishedAt === null ? '' : formatOffsetTime(b.finishedAt, timeZone),
    result: b.state,
  };
}

/** A row of ShowListPeriodHistory. */
export function toPeriodHistoryRecord(b: Build, timeZone: string) {
  return {
    ...toHistoryRecord(b, timeZone),
    branch: b.codeBranch,
    commit_id: b.commitId,
    commit_message: b.commitMessage,
    executor: b.executor,
    trigger_type: b.triggerType,
  };
}

/** ShowHistoryDetails. */
export function toHistoryDetails(d: BuildDetails, now: number): HistoryDetails {
  return {
    job_name: d.job.name,
    build_number: d.build.number,
    project_id: d.project.id,
    project_name: d.project.name,
    parameters: shownParameters(d.build),
    build_steps: d.steps.map((s) => ({ name: s.name, status: s.status, build_time: stepTimeOf(s, now) })),
  };
}

const TRIGGER_WORDS = { Manual: 'MANUAL', Scheduled: 'SCHEDULED', CodeUpdate: 'CODE_UPDATE' } as const;
const time = (ms: number | null): string => (ms === null ? '' : formatCommitTime(ms));

/** ShowRecordDetail (v4): the record-info vocabulary (upper-case trigger, record id as `id`). */
export function toRecordDetail(d: BuildDetails, domainId: string, now: number): RecordDetail {
  const b = d.build;
  return {
    status: 'success',
    error: null,
    result: {
      id: b.recordId,
      build_project_id: d.job.id,
      build_record_id: b.recordId,
      parent_record_id: '',
      devcloud_project_id: d.project.id,
      codeci_job_id: d.job.id,
      user_id: b.userId,
      build_no: b.number,
      daily_build_num: b.dailyBuildNumber,
      execution_id: runName(b.recordId),
      repo_name: '',
      repo_id: '',
      branch: b.buildType === 'tag' ? '' : b.codeBranch,
      tag: b.buildType === 'tag' ? b.codeBranch : '',
      commit: b.commitId,
      commit_message: b.commitMessage,
      commit_create_time: time(b.commitTime),
      trigger_type: TRIGGER_WORDS[b.triggerType],
      build_type: b.buildType,
      status: b.runningStatus === 'Finished' ? b.state : b.runningStatus === 'Running' ? 'RUNNING' : 'QUEUED',
      domain_id: domainId,
      create_time: time(b.startTime),
      schedule_time: time(b.startTime),
      queued_time: time(b.startTime),
      start_time: time(b.runStartedAt),
      runnable_time: time(b.startTime),
      finish_time: time(b.finishedAt),
      duration: buildTimeOf(b, now),
      record_status: b.runningStatus,
      use_private_slave: 0,
      region: 'local',
      err_msg: '',
      build_config_type: 'ACTION',
    },
  };
}
