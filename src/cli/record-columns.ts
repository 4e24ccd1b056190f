import type { BuildInfoRecord } from '../contract/records.ts';
import { formatDuration } from '../domain/duration.ts';
import type { Column } from './output.ts';

/**
 * CSV columns: every BuildInfoRecord field in the API's order and with the API's values, so a
 * spreadsheet sees what the server said. `commit_info` is an object; its commit id repeats
 * `commit_id`, so only its time gets a column.
 */
export const RECORD_CSV_COLUMNS: Column<BuildInfoRecord>[] = [
  { header: 'number', value: (r) => r.number },
  { header: 'build_time', value: (r) => r.build_time },
  { header: 'start_time', value: (r) => r.start_time },
  { header: 'job_running_status', value: (r) => r.job_running_status },
  { header: 'state', value: (r) => r.state },
  { header: 'user_id', value: (r) => r.user_id },
  { header: 'executor', value: (r) => r.executor },
  { header: 'nickname', value: (r) => r.nickname },
  { header: 'daily_build_number', value: (r) => r.daily_build_number },
  { header: 'trigger_type', value: (r) => r.trigger_type },
  { header: 'cost_time', value: (r) => r.cost_time },
  { header: 'commit_id', value: (r) => r.commit_id },
  { header: 'commit_created_at', value: (r) => r.commit_info?.created_at ?? '' },
  { header: 'build_type', value: (r) => r.build_type },
  { header: 'code_branch', value: (r) => r.code_branch },
  { header: 'scm_type', value: (r) => r.scm_type },
  { header: 'scm_web_url', value: (r) => r.scm_web_url },
  { header: 'commit_detail_url', value: (r) => r.commit_detail_url },
];

/**
 * Table columns: what a person scans for. A build not finished yet shows its running status;
 * duration is the time it ran (queue wait excluded), as CodeArts' console shows it.
 */
export const RECORD_TABLE_COLUMNS: Column<BuildInfoRecord>[] = [
  { header: 'number', value: (r) => r.number },
  { header: 'daily number', value: (r) => r.daily_build_number },
  { header: 'state', value: (r) => r.state || r.job_running_status },
  { header: 'trigger', value: (r) => r.trigger_type },
  { header: 'executor', value: (r) => r.executor },
  { header: 'branch', value: (r) => r.code_branch },
  { header: 'commit', value: (r) => r.commit_id.slice(0, 8) },
  // start_time is when the build was triggered (queued), not when a runner started it.
  { header: 'triggered (UTC)', value: (r) => new Date(r.start_time).toISOString() },
  { header: 'duration', value: (r) => formatDuration(r.build_time) },
];
