import type { BuildInfoRecord, RecordsPage as RecordsPageDto } from '../../contract/records.ts';
import { buildTimeOf, costTimeOf, type Build } from '../../domain/build.ts';
import { commitDetailUrl } from '../../domain/scm.ts';
import { formatUtcTime } from '../../domain/time.ts';
import { maskUrlCredentials } from '../../domain/url-credentials.ts';
import type { RecordRenderer } from '../../domain/rendered-record.ts';
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
      created_at: b.commitTime === null ? '' : formatUtcTime(b.commitTime),
    },
    build_type: b.buildType,
    code_branch: b.codeBranch,
    scm_type: b.scmType,
    scm_web_url: webUrl,
    commit_detail_url: commitDetailUrl(b.scmType, webUrl, b.commitId),
  };
}

/**
 * One record's JSON as the route's response schema serializes it: the DTO's keys are in the
 * schema's order and its values plain strings and integers, for which fast-json-stringify writes
 * what JSON.stringify writes (test/integration/records/rendered.test.ts holds them equal).
 */
function recordJson(b: Build, now: number): string {
  return JSON.stringify(toBuildInfoRecord(b, now));
}

/**
 * Finished builds' records as the store keeps them (domain/rendered-record.ts). Bump the format
 * with any change to what `toBuildInfoRecord` writes for a finished build.
 */
export const buildInfoRecordRenderer: RecordRenderer = {
  format: 1,
  // A finished build's times are its own: `now` is not read.
  render: (b) => recordJson(b, 0),
};

/** ListBuildInfoRecord's envelope: totals as strings, as the official SDKs decode them. */
export function toRecordsPageDto(page: RecordsPage, now: number): RecordsPageDto {
  return {
    result: {
      health_score: String(page.healthScore),
      page_index: String(page.pageIndex),
      total_page: String(page.totalPage),
      total_record: String(page.totalRecord),
      job_build_states: page.records.flatMap((r) =>
        typeof r === 'string' ? (JSON.parse(`[${r}]`) as BuildInfoRecord[]) : [toBuildInfoRecord(r, now)],
      ),
    },
    error: null,
    status: 'success',
  };
}

/**
 * ListBuildInfoRecord's body, the same text as `toRecordsPageDto` serialized by the route's
 * schema: records the store kept are copied in as they are, the others rendered now.
 */
export function recordsPageBody(page: RecordsPage, now: number): string {
  let records = '';
  for (const r of page.records) {
    if (records !== '') records += ',';
    records += typeof r === 'string' ? r : recordJson(r, now);
  }
  return (
    `{"result":{"health_score":"${page.healthScore}","page_index":"${page.pageIndex}",` +
    `"total_page":"${page.totalPage}","total_record":"${page.totalRecord}",` +
    `"job_build_states":[${records}]},"error":null,"status":"success"}`
  );
}
