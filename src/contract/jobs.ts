import { Type, type Static } from 'typebox';
import { Envelope, Id32, ID32_PATTERN, WireInt } from './common.ts';

const Str = (maxLength = 4096, description?: string) =>
  Type.String({ maxLength, ...(description && { description }) });

const ParamItem = Type.Object({ name: Str(256), value: Str(65536) });

/** A build parameter definition in CodeArts' name/value list form. */
export const JobParameter = Type.Object({
  name: Type.Optional(Str(256, 'Definition class, e.g. hudson.model.StringParameterDefinition')),
  params: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.Optional(Str(256)),
        value: Type.Optional(Type.Union([Str(65536), Type.Null()])),
        limits: Type.Optional(
          Type.Union([
            Type.Array(
              Type.Object({
                disable: Type.Optional(Str(16)),
                display_name: Type.Optional(Str(256)),
                name: Type.Optional(Str(256)),
              }),
              { maxItems: 200 },
            ),
            Type.Null(),
          ]),
        ),
      }),
      { maxItems: 50 },
    ),
  ),
});

/** A repository to check out. */
export const JobScm = Type.Object({
  url: Str(2048, 'Anything git can fetch: https, ssh, file:// or a local path'),
  scm_type: Str(32, 'codehub, repo, github, gitlab, gitee, gitea or git'),
  branch: Type.Optional(Str(255)),
  repo_id: Type.Optional(Str(256)),
  web_url: Type.Optional(Str(2048)),
  is_auto_build: Type.Optional(Type.Boolean()),
  enable_git_lfs: Type.Optional(Type.Boolean()),
  build_type: Type.Optional(Str(32)),
  depth: Type.Optional(Str(16)),
  end_point_id: Type.Optional(Type.Union([Str(256), Type.Null()])),
  source: Type.Optional(Type.Union([Str(256), Type.Null()])),
  group_name: Type.Optional(Str(256)),
  repo_name: Type.Optional(Str(256)),
});

/** A build step; Kiln runs `kiln.shell` steps (property `command`). */
export const JobStep = Type.Object({
  module_id: Str(256, 'Step module; kiln.shell runs properties.command with bash -e'),
  name: Str(256),
  properties: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  version: Type.Optional(Str(64)),
  enable: Type.Optional(Type.Boolean()),
});

/** A trigger: `timer` (parameter `cron`) or `code_update` (parameter `branches`). */
export const JobTrigger = Type.Object({
  name: Str(64),
  parameters: Type.Array(ParamItem, { maxItems: 20 }),
});

const configFields = {
  arch: Str(64, 'Executor architecture, e.g. x86-64'),
  project_id: Type.String({ pattern: ID32_PATTERN, description: 'CodeArts project id' }),
  job_name: Str(256),
  auto_update_sub_module: Type.Optional(Str(16)),
  flavor: Type.Optional(Str(64)),
  parameters: Type.Optional(Type.Array(JobParameter, { maxItems: 100 })),
  group_id: Type.Optional(Str(64)),
  timeout: Type.Optional(Type.Object({ limit: Type.Optional(Str(16)), unit: Type.Optional(Str(16)) })),
  scms: Type.Optional(Type.Array(JobScm, { maxItems: 10 })),
  steps: Type.Array(JobStep, { maxItems: 100 }),
  host_type: Type.Optional(Str(64)),
  build_config_type: Type.Optional(Str(64)),
  build_if_code_updated: Type.Optional(Type.Boolean()),
  triggers: Type.Optional(Type.Array(JobTrigger, { maxItems: 20 })),
  kiln: Type.Optional(
    Type.Object(
      {
        keep_workspace: Type.Optional(Type.Boolean({ description: 'Keep the last workspace for debugging' })),
      },
      { description: "Kiln's own options (not in CodeArts)" },
    ),
  ),
};

/** CreateBuildJob / CreateNewJob body: the job document. */
export const JobConfigBody = Type.Object(configFields);
export type JobConfigBody = Static<typeof JobConfigBody>;

/** UpdateBuildJob / UpdateNewJob body: the document plus the job id. */
export const UpdateJobBody = Type.Object({ job_id: Id32('The job to change'), ...configFields });
export type UpdateJobBody = Static<typeof UpdateJobBody>;

/** Create/update answer. */
export const JobIdResult = Envelope(Type.Object({ job_id: Type.String() }));
export type JobIdResult = Static<typeof JobIdResult>;

/** ListJobConfig / ShowJobConfig answer: the stored document. */
export const JobConfigResult = Envelope(Type.Object(configFields));
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
