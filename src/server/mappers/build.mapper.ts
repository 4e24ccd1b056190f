import type { HistoryDetails, RecordDetail } from '../../contract/builds.ts';
import { toRecordInfo } from './record-info.mapper.ts';
import { stepTimeOf, type Build } from '../../domain/build.ts';
import { formatOffsetTime } from '../../domain/time.ts';
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

/** ShowRecordDetail (v4) and ShowJobBuildRecordDetail (v1). */
export function toRecordDetail(d: BuildDetails, domainId: string, now: number): RecordDetail {
  return { status: 'success', error: null, result: toRecordInfo(d, domainId, now) };
}
