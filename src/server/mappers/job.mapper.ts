import type { JobInfoFields, JobListItem, UserJobListItem } from '../../contract/jobs.ts';
import { buildTimeOf, type Build } from '../../domain/build.ts';
import type { JobSummary } from '../../engine/job-service.ts';

/** Jenkins ball colour of the last build (the job lists' `last_build_status`). */
export function ballColour(last: Build | undefined): string {
  if (!last) return 'notbuilt';
  if (last.runningStatus !== 'Finished') return 'blue_anime';
  switch (last.state) {
    case 'SUCCESS':
      return 'blue';
    case 'ABORTED':
      return 'aborted';
    default:
      return 'red';
  }
}

/** ShowJobInfo: the job as a list shows it, and what the caller may do with it. */
export function toJobInfo(s: JobSummary, now: number): JobInfoFields {
  const item = toJobListItem(s, now);
  return {
    id: item.id,
    project_id: s.job.projectId,
    project_permission_switch: !s.job.ownPermissions,
    build_time: s.last ? String(item.build_time) : '',
    charge_time: '',
    create_time: s.job.createdAt,
    disabled: item.disabled,
    favorite: item.favorite,
    source_code: item.source_code,
    running_status: s.last?.runningStatus ?? '',
    new_build: s.last === undefined,
    job_name: item.job_name,
    is_copy: item.is_copy,
    is_delete: item.is_delete,
    is_execute: item.is_execute,
    is_forbidden: item.is_forbidden,
    is_manager: s.permissions.manager,
    is_modify: item.is_modify,
    is_view: item.is_view,
    last_build_status: item.last_build_status,
    last_build_time: item.last_build_time,
    health_score: item.health_score,
  };
}

/** One row of ShowJobListByProjectId / ListProjectJobs. */
export function toJobListItem(s: JobSummary, now: number): JobListItem {
  const can = s.permissions;
  const scm = s.config.scms?.[0];
  const last = s.last;
  return {
    id: s.job.id,
    job_name: s.job.name,
    job_creator: s.job.creatorId,
    user_name: s.creator?.name ?? '',
    last_build_time: last?.startTime ?? 0,
    health_score: s.healthScore,
    source_code: 'kiln',
    last_build_status: ballColour(last),
    is_finished: !last || last.runningStatus === 'Finished',
    disabled: s.job.disabled,
    favorite: s.favorite,
    is_modify: can.modify,
    is_delete: can.delete,
    is_execute: can.execute && !s.job.disabled,
    is_copy: can.copy,
    is_forbidden: can.forbidden,
    is_view: can.view,
    last_build_user: last?.executor ?? '',
    trigger_type: last?.triggerType ?? '',
    build_time: last ? buildTimeOf(last, now) : 0,
    scm_web_url: scm?.web_url ?? '',
    scm_type: scm?.scm_type ?? '',
    repo_id: scm?.repo_id ?? '',
    build_project_id: s.job.id,
    last_job_running_status: last?.runningStatus ?? '',
    last_build_user_id: last?.userId ?? '',
  };
}

/** A job as ListJob lists it: the project list's item, with its project and its last build's source. */
export function toUserJobListItem(s: JobSummary & { projectName: string }, now: number): UserJobListItem {
  const last = s.last;
  return {
    ...toJobListItem(s, now),
    user_id: s.job.creatorId,
    nick_name: s.creator?.displayName ?? '',
    project_id: s.job.projectId,
    project_name: s.projectName,
    // As the reference's example ("#20240923.1"): the last build's daily number.
    task_id: last ? `#${last.dailyBuildNumber}` : '',
    code_branch: last?.codeBranch ?? '',
    commit_id: last?.commitId ?? '',
    commit_detail_url: '',
    build_number: last ? String(last.number) : '',
    forbidden_msg: s.job.disabled ? s.job.disabledReason : '',
    build_type: last?.buildType ?? '',
    tag: last?.buildType === 'tag' ? last.codeBranch : '',
    project_permission_switch: !s.job.ownPermissions,
  };
}
