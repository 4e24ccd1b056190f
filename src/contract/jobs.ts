import { Type, type Static } from 'typebox';
import { JobDocument, JobDocumentInput, jobInputFields, type JobInput } from '../domain/job-document.ts';
import { MAX_GROUP_PATH } from '../domain/job-groups.ts';
import { Envelope, Id32, JobId, RepositoryName, WireInt } from './common.ts';

/** CreateBuildJob / CreateNewJob body: the job document. */
export const JobConfigBody = JobDocumentInput;
export type JobConfigBody = JobInput;

/** UpdateBuildJob / UpdateNewJob body: the document plus the job id. */
export const UpdateJobBody = Type.Object({ job_id: JobId('The job to change'), ...jobInputFields });
export type UpdateJobBody = Static<typeof UpdateJobBody>;

/** Create/update answer. */
export const JobIdResult = Envelope(Type.Object({ job_id: Type.String() }));
export type JobIdResult = Static<typeof JobIdResult>;

/** ListJobConfig / ShowJobConfig answer: the stored document. */
export const JobConfigResult = Envelope(JobDocument);
export type JobConfigResult = Static<typeof JobConfigResult>;

/** ListJobConfig query. */
export const JobConfigQuery = Type.Object({
  get_all_params: Type.Optional(
    Type.String({
      maxLength: 8,
      description:
        'true: `parameters` also lists the default build parameters (codeBranch) that a run takes although the job does not define them',
    }),
  ),
});

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
  favorite: Type.Optional(
    Type.String({
      maxLength: 8,
      description: 'Kiln: true lists only the jobs the caller marked as favourites',
    }),
  ),
  by_group: Type.Optional(
    Type.String({ maxLength: 8, description: 'true without group_path_id: only the jobs in no group' }),
  ),
  group_path_id: Type.Optional(
    Type.String({
      maxLength: MAX_GROUP_PATH,
      description: 'Only the jobs of this group (its path_id) and of its subgroups',
    }),
  ),
});

/** ListJob query (v1, every project the caller can see): ListProjectJobs' filters and sort. */
export const UserJobsQuery = Type.Omit(ProjectJobsQuery, ['by_group', 'group_path_id']);

/** A job in ListJob: a project list's item, with its project and its last build's source. */
export const UserJobListItem = Type.Object({
  ...JobListItem.properties,
  user_id: Type.String({ description: "The job's creator" }),
  nick_name: Type.String({ description: "The creator's display name" }),
  project_id: Type.String(),
  project_name: Type.String(),
  task_id: Type.String({
    description: "The last build's daily number, as #20240923.1; '' before the first build",
  }),
  code_branch: Type.String({ description: 'Branch (or tag) of the last build' }),
  commit_id: Type.String(),
  commit_detail_url: Type.String({ description: "Kiln: always empty (no repository host's pages)" }),
  build_number: Type.String({ description: 'Number of the last build; empty when never built' }),
  forbidden_msg: Type.String({ description: 'Why the job is disabled' }),
  build_type: Type.String({ description: 'branch, tag or commit: what the last build checked out' }),
  tag: Type.String(),
  project_permission_switch: Type.Boolean({
    description: "true: the job follows its project's permissions; false: its own (ApplyProjectPermission)",
  }),
});
export type UserJobListItem = Static<typeof UserJobListItem>;

/** ListJob answer. */
export const UserJobList = Type.Object({
  result: Type.Object({ total: Type.Integer(), job_list: Type.Array(UserJobListItem) }),
  status: Type.String(),
});

/** Path of the project-scoped job lists. */
export const ProjectIdParams = Type.Object({ project_id: Id32('CodeArts project id') });

/** AddFavouriteTask / RemoverFavouriteTask answer. */
export const FavouriteResult = Envelope(Type.Object({ favorite: Type.Boolean() }));

/** ListUpdateJobHistory query. */
export const JobHistoryQuery = Type.Object({
  page_no: Type.Optional(
    WireInt({ minimum: 0, maximum: 2147483647, default: 1, description: '1 is the first page' }),
  ),
  page_size: Type.Optional(WireInt({ minimum: 0, maximum: 100, default: 10 })),
});

/** One change of a job. */
export const JobUpdateRecord = Type.Object({
  id: Type.String({ description: 'The change: the job id and its update number' }),
  update_number: Type.Integer({ description: '1 for the creation, then one more per change' }),
  update_type: Type.String({ description: 'CREATE, UPDATE, DISABLE, ENABLE, DELETE or RESTORE' }),
  user_id: Type.String(),
  user_name: Type.String(),
  nick_name: Type.String(),
  update_at: Type.Integer({ description: 'Epoch milliseconds' }),
});
export type JobUpdateRecord = Static<typeof JobUpdateRecord>;

/** ListUpdateJobHistory answer. */
export const JobHistory = Envelope(
  Type.Object({ job_update_records: Type.Array(JobUpdateRecord), total: Type.Integer() }),
);

/** ShowJobConfigDiff query: the two update numbers (`revisedl_no` is spelt as CodeArts spells it). */
export const JobDiffQuery = Type.Object({
  original_no: WireInt({ minimum: 1, maximum: 2147483647, description: 'The older version (update number)' }),
  revisedl_no: WireInt({ minimum: 1, maximum: 2147483647, description: 'The newer version (update number)' }),
});

/** ShowJobConfigDiff answer: a unified diff of the two documents (JSON, two-space indent). */
export const JobDiff = Type.Object({ result: Type.String(), status: Type.String() });

/** CopyJob body: the new job's document and the job it copies. */
export const CopyJobBody = Type.Object({ copy_job_id: JobId('The job to copy'), ...jobInputFields });
export type CopyJobBody = Static<typeof CopyJobBody>;

/** ShowCopyName answer: a name for a copy that no job of the project has. */
export const CopyNameResult = Envelope(Type.String());

/** CheckJobNameIsExists query. */
export const JobNameQuery = Type.Object({
  project_id: Id32('CodeArts project id'),
  job_name: Type.String({ minLength: 1, maxLength: 128 }),
});

/** CheckJobCountIsTopLimit query: Kiln's limit is per project (KILN_MAX_JOBS_PER_PROJECT). */
export const JobCountQuery = Type.Object({
  project_id: Type.Optional(
    Id32('Kiln: the project to check; without it, whether every project the caller can see is full'),
  ),
});

/** CheckJobCountIsTopLimit answer. */
export const LimitReached = Type.Object({
  result: Type.Boolean({ description: 'true: no job can be added (the limit is reached)' }),
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
});

/** CheckJobNameIsExists answer. */
export const NameExists = Type.Object({ result: Type.Boolean(), status: Type.String() });

/** ShowDisable answer. */
export const DisabledState = Type.Object({
  result: Type.Object({
    forbiddener: Type.String({ description: 'Who disabled the job ("" when it is enabled)' }),
    reson: Type.String({ description: 'Why (CodeArts spells it so)' }),
    disabled: Type.Integer({ description: '1 disabled, 0 enabled' }),
    job_id: Type.String(),
    job_name: Type.String(),
    forbidden_time: Type.Number({ description: 'When it was disabled, epoch milliseconds (0 when enabled)' }),
  }),
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
});

/** DisableTheJob body. */
export const DisableTheJobBody = Type.Object({
  disabled: Type.Boolean({ description: 'true disables the job, false enables it' }),
  reason: Type.Optional(Type.String({ maxLength: 1024 })),
});

/** StopTheJob query. */
export const StopTheJobQuery = Type.Object({
  build_no: Type.Optional(
    WireInt({
      minimum: 1,
      maximum: 2147483647,
      description: 'The build to stop; default: the latest unfinished one',
    }),
  ),
});

/**
 * StopTheJob answer: the SDK's `{status}`. A build that had already finished is not stopped:
 * `status` is then CodeArts' word for a call that failed, `fail`, and `error` says why (as
 * StopBuildJob's `success: false` comes with its `result`).
 */
export const StopTheJobResult = Type.Object({
  status: Type.String({
    description: 'success: the build is stopped (or stopping); fail: it had already finished',
  }),
  error: Type.Optional(Type.String({ description: 'Why nothing was stopped (with status fail)' })),
});
export type StopTheJobResult = Static<typeof StopTheJobResult>;

/** ShowJobInfo answer: one job as the lists show it. */
export const JobInfoFields = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  project_permission_switch: Type.Boolean({
    description: "true: the job follows its project's permissions; false: its own (ApplyProjectPermission)",
  }),
  build_time: Type.String({
    description: "The last build's duration in milliseconds, as text ('' before any)",
  }),
  charge_time: Type.String({ description: 'Always empty: a self-hosted server charges nothing' }),
  create_time: Type.Integer({ description: 'Epoch milliseconds' }),
  disabled: Type.Boolean(),
  favorite: Type.Boolean(),
  source_code: Type.String(),
  running_status: Type.String({ description: "The last build's running status ('' before any)" }),
  new_build: Type.Boolean({ description: 'True while the job has never been built' }),
  job_name: Type.String(),
  is_copy: Type.Boolean(),
  is_delete: Type.Boolean(),
  is_execute: Type.Boolean(),
  is_forbidden: Type.Boolean(),
  is_manager: Type.Boolean(),
  is_modify: Type.Boolean(),
  is_view: Type.Boolean(),
  last_build_status: Type.String(),
  last_build_time: Type.Integer({ description: "Epoch ms of the last build's start; 0 before any" }),
  health_score: Type.Integer(),
});
export type JobInfoFields = Static<typeof JobInfoFields>;
export const JobInfo = Envelope(JobInfoFields);

/** ListBuildParameter answer: the parameters a build ran with (sensitive values masked). */
export const BuildParameters = Envelope(
  Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
);

/** ShowLastHistory query. */
export const LastHistoryQuery = Type.Object({
  repository_name: RepositoryName({ maxLength: 256, description: "The repository's name" }),
});

/** ShowLastHistory answer (no envelope). */
export const LastHistory = Type.Object({
  record_id: Type.String({ description: "The build's daily number (yyyyMMdd.n), as CodeArts shows it" }),
  job_id: Type.String(),
  job_name: Type.String(),
  build_number: Type.Integer(),
  start_time: Type.String({ description: "ISO 8601 with the server zone's offset" }),
  end_time: Type.String({ description: "ISO 8601 with the server zone's offset" }),
  result: Type.String({ description: 'SUCCESS' }),
  commit_id: Type.String(),
});

/** CheckWebhookUrl body. */
export const WebhookUrlBody = Type.Object({
  job_id: JobId('The job the notice is for'),
  notice_type: Type.String({ maxLength: 32, description: 'DING_TALK, FEI_SHU, WE_COM or WE_LINK' }),
  webhook_url: Type.String({ maxLength: 2048, description: "The chat robot's webhook URL" }),
});

/** CheckWebhookUrl answer (a URL that fails the check is a 400 saying why). */
export const WebhookUrlChecked = Type.Object({
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
});

/** Kiln's timer triggers of a job, each with when the scheduler will next build for it. */
export const JobSchedulesResult = Envelope(
  Type.Object({
    disabled: Type.Boolean({
      description: 'The job is disabled: its timers do not fire (next_due_* are null)',
    }),
    schedules: Type.Array(
      Type.Object({
        cron: Type.String({ description: 'The cron expression, as the job document has it' }),
        time_zone: Type.String({
          description: "The zone it is read in: its own, or the server's (KILN_TIMEZONE)",
        }),
        own_time_zone: Type.Boolean({
          description: "true: the trigger's own zone (a TimerTrigger's timeZoneId); false: the server's",
        }),
        next_due_time: Type.Union([Type.String(), Type.Null()], {
          description:
            'ISO 8601 with the offset of time_zone; null when it will not fire (a disabled job, or no time left)',
        }),
        next_due_at: Type.Union([Type.Integer(), Type.Null()], {
          description: 'The same instant in epoch ms; null with next_due_time',
        }),
      }),
      { description: "In the order of the job document's timer triggers" },
    ),
  }),
);
export type JobSchedulesResult = Static<typeof JobSchedulesResult>;
