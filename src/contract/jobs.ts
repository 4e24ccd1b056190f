import { Type, type Static } from 'typebox';
import { JobDocument, jobDocumentFields, type JobConfig } from '../domain/job-document.ts';
import { Envelope, Id32, WireInt } from './common.ts';

/** CreateBuildJob / CreateNewJob body: the job document. */
export const JobConfigBody = JobDocument;
export type JobConfigBody = JobConfig;

/** UpdateBuildJob / UpdateNewJob body: the document plus the job id. */
export const UpdateJobBody = Type.Object({ job_id: Id32('The job to change'), ...jobDocumentFields });
export type UpdateJobBody = Static<typeof UpdateJobBody>;

/** Create/update answer. */
export const JobIdResult = Envelope(Type.Object({ job_id: Type.String() }));
export type JobIdResult = Static<typeof JobIdResult>;

/** ListJobConfig / ShowJobConfig answer: the stored document. */
export const JobConfigResult = Envelope(JobDocument);
export type JobConfigResult = Static<typeof JobConfigResult>;

/** ListJobConfig query. */
export const JobConfigQuery = Type.Object({ get_all_params: Type.Optional(Type.String()) });

const DeletedJob = Type.Object({ job_id: Type.String(), project_id: Type.String() });

/** DeleteBuildJob answer (v3: no `error` field). */
export const DeleteJobResult = Type.Object({ result: DeletedJob, status: Type.String() });
export type DeleteJobResult = Static<typeof DeleteJobResult>;

/** DeleteTheJob answer (v1). */
export const DeleteTheJobResult = Envelope(DeletedJob);

/** A job in a project's job list. */
export const JobListItem = Type.Object({
  id: Type.String(),
  job_name: Type.String(),
  job_creator: Type.String(),
  user_name: Type.String(),
  last_build_time: Type.Number({ description: 'Epoch ms of the last build start; 0 when never built' }),
  health_score: Type.Integer(),
  source_code: Type.String(),
  last_build_status: Type.String({
    description: 'Jenkins colour: blue, red, aborted, notbuilt; *_anime while building',
  }),
  is_finished: Type.Boolean(),
  disabled: Type.Boolean(),
  favorite: Type.Boolean(),
  is_modify: Type.Boolean(),
  is_delete: Type.Boolean(),
  is_execute: Type.Boolean(),
  is_copy: Type.Boolean(),
  is_forbidden: Type.Boolean(),
  is_view: Type.Boolean(),
  last_build_user: Type.String(),
  trigger_type: Type.String(),
  build_time: Type.Integer(),
  scm_web_url: Type.String(),
  scm_type: Type.String(),
  repo_id: Type.String(),
  build_project_id: Type.String(),
  last_job_running_status: Type.String(),
  last_build_user_id: Type.String(),
});
export type JobListItem = Static<typeof JobListItem>;

/** ShowJobListByProjectId / ListProjectJobs answer. */
export const JobList = Type.Object({ jobs: Type.Array(JobListItem), total: Type.Integer() });
export type JobList = Static<typeof JobList>;

/** ShowJobListByProjectId query. */
export const JobListQuery = Type.Object({
  page_index: Type.Optional(WireInt({ minimum: 0, maximum: 2147483647, default: 0 })),
  page_size: Type.Optional(WireInt({ minimum: 0, maximum: 100, default: 10 })),
});

/** ListProjectJobs query (v1: filters and sort). */
export const ProjectJobsQuery = Type.Object({
  page_index: Type.Optional(WireInt({ minimum: 0, maximum: 2147483647, default: 0 })),
  page_size: Type.Optional(WireInt({ minimum: 0, maximum: 100, default: 10 })),
  search: Type.Optional(Type.String({ maxLength: 256 })),
  sort_field: Type.Optional(
    Type.String({ maxLength: 64, description: 'job_name (default), last_build_time or create_time' }),
  ),
  sort_order: Type.Optional(Type.String({ maxLength: 8, description: 'ASC (default) or DESC' })),
  creator_id: Type.Optional(Type.String({ maxLength: 64, description: 'Only jobs this user created' })),
  build_status: Type.Optional(
    Type.String({
      maxLength: 32,
      description:
        'Only jobs whose last build is red (failed), blue (succeeded), timeout, aborted, building, or none (never built)',
    }),
  ),
  by_group: Type.Optional(Type.String({ maxLength: 8 })),
  group_path_id: Type.Optional(Type.String({ maxLength: 64 })),
});

/** Path of the project-scoped job lists. */
export const ProjectIdParams = Type.Object({ project_id: Id32('CodeArts project id') });
