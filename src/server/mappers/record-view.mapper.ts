import type { BriefRecord, BuildRecordResult, FullStages } from '../../contract/record-views.ts';
import { TRIGGER_WORDS, type Build } from '../../domain/build.ts';
import { buildTimeOf, costTimeOf, MASK } from '../../domain/build.ts';
import { buildStages, stageDurationOf } from '../../domain/build-stages.ts';
import { renderBuildYaml } from '../../domain/build-yaml-render.ts';
import { runName } from '../../domain/ids.ts';
import type { StepSpec } from '../../domain/job-config.ts';
import { recordStatus, STATUS_CODES } from '../../domain/record-status.ts';
import { maskUrlCredentials } from '../../domain/url-credentials.ts';
import type { BuildView, RecordView } from '../../engine/build-service.ts';
import { recordTime } from './record-info.mapper.ts';

/** ms a build waited for a runner (so far, while queued). */
function pendingOf(b: Build, now: number): number {
  return Math.max(0, (b.runStartedAt ?? b.finishedAt ?? now) - b.startTime);
}

/** A build in ListBriefRecord (the times and durations of ShowBuildRecord, in brief). */
export function toBriefRecord(b: Build, jobId: string, now: number): BriefRecord {
  return {
    id: b.recordId,
    status: recordStatus(b),
    duration: costTimeOf(b, now),
    create_time: recordTime(b.startTime),
    schedule_time: recordTime(b.startTime),
    queued_time: recordTime(b.startTime),
    start_time: recordTime(b.runStartedAt),
    finish_time: recordTime(b.finishedAt),
    build_duration: buildTimeOf(b, now),
    pending_duration: pendingOf(b, now),
    project_id: jobId,
    build_no: b.number,
    branch: b.codeBranch,
    revision: b.commitId,
    trigger_name: b.executor,
    daily_build_number: b.dailyBuildNumber,
  };
}

/**
 * Where the build.yml of a code-based build is seen on the web: `<web_url>/blob/<commit>/<path>`
 * (GitHub, GitLab, Gitea and CodeArts Repo all read that), the branch until checkout knew the
 * commit; "" for a graphical build or a job without a web URL.
 */
function buildYmlUrl(v: RecordView): string {
  const web = maskUrlCredentials(v.build.scmWebUrl).replace(/\/+$/, '');
  if (!v.script || web === '') return '';
  const revision = v.build.commitId || v.build.codeBranch;
  return revision === '' ? '' : `${web}/blob/${revision}/${v.script.path}`;
}

/** ShowBuildRecord (and each row of ListRecords). */
export function toBuildRecord(v: RecordView, now: number): BuildRecordResult {
  const b = v.build;
  const status = recordStatus(b);
  return {
    result: {
      id: b.recordId,
      status,
      status_code: STATUS_CODES[status],
      create_time: recordTime(b.startTime),
      schedule_time: recordTime(b.startTime),
      queued_time: recordTime(b.startTime),
      start_time: recordTime(b.runStartedAt),
      finish_time: recordTime(b.finishedAt),
      duration: costTimeOf(b, now),
      build_duration: buildTimeOf(b, now),
      pending_duration: pendingOf(b, now),
      project_id: v.job.id,
      display_name: v.job.name,
      trigger_name: b.executor,
      group_name: '',
      execution_id: runName(b.recordId),
      parameters: b.parameters.map((p) => ({
        name: p.name,
        secret: p.sensitive,
        value: p.sensitive ? MASK : p.value,
        type: 'string',
      })),
      repository: maskUrlCredentials(v.plan?.scm?.url ?? ''),
      branch: b.codeBranch,
      revision: b.commitId,
      build_yml_path: v.script?.path ?? '',
      build_yml_url: buildYmlUrl(v),
      daily_build_number: b.dailyBuildNumber,
      build_record_type: {
        rerun: false,
        trigger_type: TRIGGER_WORDS[b.triggerType],
        record_type: 'JOB',
        is_rerun: false,
      },
      trigger_type: TRIGGER_WORDS[b.triggerType],
      scm_type: b.scmType,
      // An imported build's web URL is as its source gave it: never shown with credentials.
      scm_web_url: maskUrlCredentials(b.scmWebUrl),
      user_id: b.userId,
      build_no: String(b.number),
      daily_build_no: b.dailyBuildNumber,
      dev_cloud_build_type: b.buildType,
    },
    error: null,
    status: 'success',
  };
}

/** ShowBuildRecordFullStages: the stages keyed initial, stage1.., final. */
export function toFullStages(v: BuildView, now: number): FullStages {
  const b = v.build;
  const stages = buildStages(b, v.steps, v.logSize);
  const entries = stages.map((s) => {
    const duration = stageDurationOf(s, now);
    return [
      s.key,
      {
        id: `${b.recordId}-${s.key}`,
        status: s.status,
        status_code: STATUS_CODES[s.status],
        log_status: s.logStatus,
        // Kiln's own: where the stage's bytes are, so the dashboard marks steps by the server's
        // record, not by lines a build's output could print.
        log_start_offset: s.log?.start ?? -1,
        log_end_offset: s.log?.end ?? -1,
        create_time: recordTime(b.startTime),
        schedule_time: recordTime(b.startTime),
        queued_time: recordTime(b.startTime),
        start_time: recordTime(s.startedAt),
        finish_time: recordTime(s.finishedAt),
        duration,
        build_duration: s.key === 'initial' ? 0 : duration,
        pending_duration: s.key === 'initial' ? duration : 0,
        build_record_id: b.recordId,
        execution_id: runName(b.recordId),
        execution_stage_name: s.key,
        display_name: s.displayName,
        node_id: s.sequence,
        sequence: s.sequence,
      },
    ] as const;
  });
  return { status: 'success', error: null, result: { build_stages: Object.fromEntries(entries) } };
}

/**
 * ShowBuildRecordBuildScript: a code-based build's build.yml as stored ("" until its runner read
 * it); a graphical build's steps as the plan ran them (an imported build has no plan: its step
 * names and modules only).
 */
export function toBuildScript(v: BuildView): string {
  if (v.script) return v.script.script;
  const steps: StepSpec[] =
    v.plan?.steps ??
    v.steps.map((s) => ({ name: s.name, moduleId: s.moduleId, enabled: s.enabled, command: '' }));
  return renderBuildYaml(steps);
}

/** ShowJobStepStatus. */
export function toStepStatus(v: BuildView): { status: string; abort_status: string; label: string } {
  const b = v.build;
  const ran = v.steps.filter((s) => s.startedAt !== null);
  const current = ran.find((s) => s.status === 'running') ?? ran[ran.length - 1];
  const abort =
    b.state === 'ABORTED' ? 'ABORTED' : v.cancelRequested && b.runningStatus !== 'Finished' ? 'ABORTING' : '';
  return { status: recordStatus(b), abort_status: abort, label: current?.name ?? '' };
}
