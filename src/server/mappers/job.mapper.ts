import type { JobListItem } from '../../contract/jobs.ts';
import { buildTimeOf, type Build } from '../../domain/build.ts';
import { roleAllows } from '../../domain/roles.ts';
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

/** One row of ShowJobListByProjectId / ListProjectJobs. */
export function toJobListItem(s: JobSummary, now: number): JobListItem {
  const canBuild = roleAllows(s.role, 'build');
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
    is_modify: canBuild,
    is_delete: canBuild,
    is_execute: canBuild && !s.job.disabled,
    is_copy: canBuild,
    is_forbidden: canBuild,
    is_view: true,
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
