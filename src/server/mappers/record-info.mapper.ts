import type { RecordInfo, RecordInfoV3 } from '../../contract/record-views.ts';
import { buildTimeOf, TRIGGER_WORDS, type Build } from '../../domain/build.ts';
import { runName } from '../../domain/ids.ts';
import { recordStatus } from '../../domain/record-status.ts';
import { formatUtcTime } from '../../domain/time.ts';
import type { BuildDetails } from '../../engine/build-service.ts';

/** An instant in the record-info format (`2022-10-11T08:28:42.000+00:00`); "" when not yet. */
export const recordTime = (ms: number | null): string => (ms === null ? '' : formatUtcTime(ms));

/** A graphical build has no build.yml row; a code-based one has its file. */
export const configTypeOf = (d: Pick<BuildDetails, 'script'>): 'YAML' | 'ACTION' =>
  d.script?.configType ?? 'ACTION';

/** The record-info result (v4, v1 and v3 share it; v3 declares duration a float). */
export function toRecordInfo(d: BuildDetails, domainId: string, now: number): RecordInfo {
  const b: Build = d.build;
  return {
    id: b.recordId,
    build_project_id: d.job.id,
    build_record_id: b.recordId,
    parent_record_id: d.parentRecordId,
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
    commit_create_time: recordTime(b.commitTime),
    trigger_type: TRIGGER_WORDS[b.triggerType],
    build_type: b.buildType,
    status: recordStatus(b),
    domain_id: domainId,
    create_time: recordTime(b.startTime),
    schedule_time: recordTime(b.startTime),
    queued_time: recordTime(b.startTime),
    start_time: recordTime(b.runStartedAt),
    runnable_time: recordTime(b.startTime),
    finish_time: recordTime(b.finishedAt),
    duration: buildTimeOf(b, now),
    record_status: b.runningStatus,
    use_private_slave: 0,
    region: 'local',
    err_msg: '',
    build_config_type: configTypeOf(d),
  };
}

/** ShowRecordInfo (v3): the legacy `{success, message, err_code, result}` envelope. */
export function toRecordInfoV3(d: BuildDetails, domainId: string, now: number): RecordInfoV3 {
  return { success: true, message: '', err_code: '', result: toRecordInfo(d, domainId, now) };
}
