import {
  BUILD_STATES,
  BUILD_TYPES,
  isDailyBuildNumber,
  MAX_BUILD_NUMBER,
  MAX_IMPORTED_BUILD_NUMBER,
  type Build,
  type BuildState,
  type BuildType,
  type TriggerType,
} from './build.ts';
import { newRecordId } from './ids.ts';
import { parseIsoInstant } from './time.ts';

/**
 * Reading one line of an import file: a BuildInfoRecord exactly as the records API (Kiln's or
 * CodeArts') returns it, turned into a finished build of the target job. Every problem names the
 * field, so the import can say "line 17: state ...".
 */

/** Trigger labels CodeArts has been seen to use, mapped to Kiln's three. */
const TRIGGER_ALIASES: Record<string, TriggerType> = {
  Manual: 'Manual',
  MANUAL: 'Manual',
  手工触发: 'Manual',
  流水线触发: 'Manual',
  Scheduled: 'Scheduled',
  SCHEDULED: 'Scheduled',
  Timer: 'Scheduled',
  定时触发: 'Scheduled',
  CodeUpdate: 'CodeUpdate',
  CODE_UPDATE: 'CodeUpdate',
  代码更新触发: 'CodeUpdate',
};

/**
 * The outcome of reading one line. A build still queued or running where the history was read
 * (`Starting`, `Running`) is `unfinished`: left out and counted, as a copy of a live job's history
 * has one; it comes with the next import, once finished.
 */
export type ImportLine =
  | { ok: true; build: Build }
  | { ok: false; unfinished: true }
  | { ok: false; field: string; message: string };

const MAX_TIME = Date.UTC(9999, 0, 1);

function fail(field: string, message: string): ImportLine & { ok: false; field: string } {
  return { ok: false, field, message };
}

function isWhole(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Turns one parsed JSON line into a build of `jobId`, or names the first bad field. */
export function importedBuild(jobId: string, value: unknown): ImportLine {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return fail('(line)', 'must be a JSON object');
  const r = value as Record<string, unknown>;
  const str = (field: string, max = 1024): string | ImportLine => {
    const v = r[field];
    if (typeof v !== 'string') return fail(field, 'must be a string');
    if (v.length > max) return fail(field, `must be at most ${max} characters`);
    return v;
  };

  if (!isWhole(r.number, 1, MAX_IMPORTED_BUILD_NUMBER)) {
    return fail(
      'number',
      `must be a whole number from 1 to ${MAX_IMPORTED_BUILD_NUMBER} (runs after the import are numbered after it, up to ${MAX_BUILD_NUMBER})`,
    );
  }
  if (!isWhole(r.start_time, 1, MAX_TIME)) return fail('start_time', 'must be epoch milliseconds');
  if (!isWhole(r.build_time, 0, MAX_TIME))
    return fail('build_time', 'must be a whole number of milliseconds >= 0');
  if (!isWhole(r.cost_time, 0, MAX_TIME))
    return fail('cost_time', 'must be a whole number of milliseconds >= 0');
  if (r.job_running_status === 'Starting' || r.job_running_status === 'Running')
    return { ok: false, unfinished: true };
  if (r.job_running_status !== 'Finished') {
    return fail('job_running_status', 'must be "Finished" ("Starting" and "Running" builds are left out)');
  }
  if (!(BUILD_STATES as readonly unknown[]).includes(r.state))
    return fail('state', `must be one of ${BUILD_STATES.join(', ')}`);
  const trigger = typeof r.trigger_type === 'string' ? TRIGGER_ALIASES[r.trigger_type] : undefined;
  if (!trigger) return fail('trigger_type', 'must be Manual, Scheduled or CodeUpdate');
  const daily = str('daily_build_number', 32);
  if (typeof daily !== 'string') return daily;
  if (!isDailyBuildNumber(daily)) return fail('daily_build_number', 'must be yyyyMMdd.N');
  const buildType = r.build_type === '' || r.build_type === undefined ? 'branch' : r.build_type;
  if (!(BUILD_TYPES as readonly unknown[]).includes(buildType))
    return fail('build_type', `must be one of ${BUILD_TYPES.join(', ')}`);

  const fields: Record<string, string> = {};
  for (const [field, max] of [
    ['user_id', 64],
    ['executor', 256],
    ['nickname', 256],
    ['commit_id', 64],
    ['code_branch', 255],
    ['scm_type', 32],
    ['scm_web_url', 2048],
  ] as const) {
    const v = str(field, max);
    if (typeof v !== 'string') return v;
    fields[field] = v;
  }
  const info = r.commit_info;
  let commitTime: number | null = null;
  if (info !== undefined && info !== null) {
    if (typeof info !== 'object' || Array.isArray(info)) return fail('commit_info', 'must be an object');
    const created = (info as Record<string, unknown>).created_at;
    if (created !== undefined && created !== null && created !== '') {
      if (typeof created !== 'string') return fail('commit_info.created_at', 'must be a string');
      const t = parseIsoInstant(created);
      if (t === undefined)
        return fail('commit_info.created_at', 'must be a time like 2023-11-21T01:48:21.000+00:00');
      commitTime = t;
    }
  }

  const startTime = r.start_time as number;
  const costTime = r.cost_time as number;
  const buildTime = r.build_time as number;
  return {
    ok: true,
    build: {
      recordId: newRecordId(),
      jobId,
      number: r.number as number,
      dailyBuildNumber: daily,
      startTime,
      runStartedAt: startTime + Math.max(0, costTime - buildTime),
      finishedAt: startTime + costTime,
      runningStatus: 'Finished',
      state: r.state as BuildState,
      triggerType: trigger,
      userId: fields.user_id as string,
      executor: fields.executor as string,
      nickname: fields.nickname as string,
      commitId: fields.commit_id as string,
      commitTime,
      commitMessage: '',
      buildType: buildType as BuildType,
      codeBranch: fields.code_branch as string,
      scmType: fields.scm_type as string,
      scmWebUrl: fields.scm_web_url as string,
      buildTime,
      costTime,
      parameters: [],
      requestedCommit: '',
    },
  };
}
