import type { BuildInfoRecord, RecordsPage as RecordsPageDto } from '../../contract/records.ts';
import { buildTimeOf, costTimeOf, type Build } from '../../domain/build.ts';
import { commitDetailUrl } from '../../domain/scm.ts';
import { formatCommitTime } from '../../domain/time.ts';
import { maskUrlCredentials } from '../../domain/url-credentials.ts';
import type { RecordsPage } from '../../engine/records-service.ts';

/**
 * A build as the records API shows it; running builds show their elapsed times as of `now`. The
 * web URL is shown without credentials to every reader (an imported build may carry them).
 */
export function toBuildInfoRecord(b: Build, now: number): BuildInfoRecord {
  const webUrl = maskUrlCredentials(b.scmWebUrl);
  return {
    number: b.number,
    build_time: buildTimeOf(b, now),
    start_time: b.startTime,
    job_running_status: b.runningStatus,
    state: b.state,
    user_id: b.userId,
    executor: b.executor,
    nickname: b.nickname,
    daily_build_number: b.dailyBuildNumber,
    trigger_type: b.triggerType,
    cost_time: costTimeOf(b, now),
    commit_id: b.commitId,
    commit_info: {
      commit_id: b.commitId,
      created_at: b.commitTime === null ? '' : formatCommitTime(b.commitTime),
    },
    build_type: b.buildType,
    code_branch: b.codeBranch,
    scm_type: b.scmType,
    scm_web_url: webUrl,
    commit_detail_url: commitDetailUrl(b.scmType, webUrl, b.commitId),
  };
}

/** ListBuildInfoRecord's envelope: totals as strings, as the official SDKs decode them. */
export function toRecordsPageDto(page: RecordsPage, now: number): RecordsPageDto {
  return {
    result: {
      health_score: String(page.healthScore),
      page_index: String(page.pageIndex),
      total_page: String(page.totalPage),
      total_record: String(page.totalRecord),
      job_build_states: page.builds.map((b) => toBuildInfoRecord(b, now)),
    },
    error: null,
    status: 'success',
  };
}
