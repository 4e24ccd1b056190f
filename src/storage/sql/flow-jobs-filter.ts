import { sql, type RawBuilder } from 'kysely';

/**
 * True for a build that is not a job of a BuildFlow. What a job shows as its latest build (job
 * lists, status badge, health, ShowJobStepStatus) is the flow's own build, whose outcome is the
 * flow's: its jobs are numbered after it, so the newest build would otherwise be one of them and a
 * failed flow would show its last job's success. `build` names the builds row's id column.
 */
export function notFlowJob(build: string): RawBuilder<boolean> {
  return sql<boolean>`not exists (select 1 from flow_jobs where flow_jobs.child_id = ${sql.ref(build)})`;
}
