import { Type, type TSchema } from 'typebox';
import * as admin from './admin.ts';
import * as builds from './builds.ts';
import { BuildNoParams, Envelope, JobIdParams, StatusOnly } from './common.ts';
import * as iam from './iam.ts';
import * as jobs from './jobs.ts';
import * as projects from './projects.ts';
import * as records from './records.ts';

/**
 * The route table: every operation Kiln serves, named by its SDK operation id. The server
 * registers routes from it, the typed client builds requests from it, the OpenAPI document is
 * generated from it, so one name runs from route to client to CLI help to docs.
 */
export interface OperationSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with `{param}` placeholders, exactly as CodeArts documents it. */
  path: string;
  summary: string;
  tag: 'IAM' | 'Projects' | 'Jobs' | 'Records' | 'Builds' | 'Logs' | 'Kiln admin' | 'Kiln';
  /**
   * Who may call: `project` needs a project-scoped token or an AK/SK signature (every CodeArts
   * operation); `any` also takes a domain-scoped token (Kiln's admin operations); `none` is public.
   */
  auth: 'project' | 'any' | 'none';
  /** IAM operations answer errors in Keystone's body instead of CodeArts'. */
  errorStyle?: 'keystone';
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  headers?: TSchema;
  /** Success status -> body schema (`null` for an empty or non-JSON body). */
  response: Record<number, TSchema | null>;
  /** Set when the success body is not JSON (log downloads). */
  produces?: 'application/octet-stream';
}

const op = <T extends OperationSpec>(spec: T): T => spec;

/** Every operation, keyed by SDK operation id (lowerCamelCase, as the TS SDK names methods). */
export const operations = {
  keystoneCreateUserTokenByPassword: op({
    method: 'POST',
    path: '/v3/auth/tokens',
    summary: 'Get a token with a user name and password (IAM)',
    tag: 'IAM',
    auth: 'none',
    errorStyle: 'keystone',
    query: iam.TokenQuery,
    body: iam.TokenRequest,
    response: { 201: iam.TokenBody },
  }),
  keystoneValidateToken: op({
    method: 'GET',
    path: '/v3/auth/tokens',
    summary: 'Check a token (X-Subject-Token) and show what it grants (IAM)',
    tag: 'IAM',
    auth: 'any',
    errorStyle: 'keystone',
    query: iam.TokenQuery,
    headers: iam.SubjectTokenHeaders,
    response: { 200: iam.TokenBody },
  }),
  keystoneRevokeToken: op({
    method: 'DELETE',
    path: '/v3/auth/tokens',
    summary: 'Revoke a token (X-Subject-Token) (IAM)',
    tag: 'IAM',
    auth: 'any',
    errorStyle: 'keystone',
    headers: iam.SubjectTokenHeaders,
    response: { 204: null },
  }),

  showRelatedProject: op({
    method: 'GET',
    path: '/v1/domain/project/related',
    summary: "List the caller's CodeArts projects",
    tag: 'Projects',
    auth: 'project',
    response: { 200: projects.RelatedProjects },
  }),
  listRelatedProjectInfo: op({
    method: 'GET',
    path: '/v1/domain/project/related-page',
    summary: "List the caller's CodeArts projects, a page at a time",
    tag: 'Projects',
    auth: 'project',
    query: projects.RelatedProjectsPageQuery,
    response: { 200: projects.RelatedProjectsPage },
  }),

  createBuildJob: op({
    method: 'POST',
    path: '/v3/jobs/create',
    summary: 'Create a build task (job)',
    tag: 'Jobs',
    auth: 'project',
    body: jobs.JobConfigBody,
    response: { 200: jobs.JobIdResult },
  }),
  createNewJob: op({
    method: 'POST',
    path: '/v1/job/create',
    summary: 'Create a build task (v1)',
    tag: 'Jobs',
    auth: 'project',
    body: jobs.JobConfigBody,
    response: { 200: jobs.JobIdResult },
  }),
  updateBuildJob: op({
    method: 'POST',
    path: '/v3/jobs/update',
    summary: 'Change a build task',
    tag: 'Jobs',
    auth: 'project',
    body: jobs.UpdateJobBody,
    response: { 200: jobs.JobIdResult },
  }),
  updateNewJob: op({
    method: 'POST',
    path: '/v1/job/update',
    summary: 'Change a build task (v1)',
    tag: 'Jobs',
    auth: 'project',
    body: jobs.UpdateJobBody,
    response: { 200: jobs.JobIdResult },
  }),
  listJobConfig: op({
    method: 'GET',
    path: '/v3/jobs/{job_id}/query',
    summary: "Show a build task's configuration",
    tag: 'Jobs',
    auth: 'project',
    params: JobIdParams,
    query: jobs.JobConfigQuery,
    response: { 200: jobs.JobConfigResult },
  }),
  showJobConfig: op({
    method: 'GET',
    path: '/v1/job/{job_id}/config',
    summary: "Show a build task's configuration (v1)",
    tag: 'Jobs',
    auth: 'project',
    params: JobIdParams,
    response: { 200: jobs.JobConfigResult },
  }),
  deleteBuildJob: op({
    method: 'POST',
    path: '/v3/jobs/{job_id}/delete',
    summary: 'Delete a build task',
    tag: 'Jobs',
    auth: 'project',
    params: JobIdParams,
    response: { 200: jobs.DeleteJobResult },
  }),
  deleteTheJob: op({
    method: 'DELETE',
    path: '/v1/job/{job_id}/delete',
    summary: 'Delete a build task (v1)',
    tag: 'Jobs',
    auth: 'project',
    params: JobIdParams,
    response: { 200: jobs.DeleteJobResult },
  }),
  disableBuildJob: op({
    method: 'POST',
    path: '/v3/jobs/{job_id}/disable',
    summary: 'Disable a build task (it refuses new runs)',
    tag: 'Jobs',
    auth: 'project',
    params: JobIdParams,
    response: { 200: StatusOnly },
  }),
  enableBuildJob: op({
    method: 'POST',
    path: '/v3/jobs/{job_id}/recover',
    summary: 'Re-enable a disabled build task',
    tag: 'Jobs',
    auth: 'project',
    params: JobIdParams,
    response: { 200: StatusOnly },
  }),
  showJobListByProjectId: op({
    method: 'GET',
    path: '/v3/{project_id}/jobs',
    summary: 'List the build tasks of a project',
    tag: 'Jobs',
    auth: 'project',
    params: jobs.ProjectIdParams,
    query: jobs.JobListQuery,
    response: { 200: jobs.JobList },
  }),
  listProjectJobs: op({
    method: 'GET',
    path: '/v1/job/{project_id}/list',
    summary: 'List the build tasks of a project (v1, with search)',
    tag: 'Jobs',
    auth: 'project',
    params: jobs.ProjectIdParams,
    query: jobs.ProjectJobsQuery,
    response: { 200: jobs.JobList },
  }),

  listBuildInfoRecord: op({
    method: 'GET',
    path: '/v3/jobs/{job_id}/build-info-records',
    summary: "A job's build records in a time window, newest first, a page at a time",
    tag: 'Records',
    auth: 'project',
    params: JobIdParams,
    query: records.RecordsQuery,
    response: { 200: records.RecordsPage },
  }),
  listBuildInfoRecordByJobId: op({
    method: 'GET',
    path: '/v1/record/{job_id}/list',
    summary: "A job's build records in a time window (v1 twin)",
    tag: 'Records',
    auth: 'project',
    params: JobIdParams,
    query: records.RecordsQuery,
    response: { 200: records.RecordsPage },
  }),
  showBuildInfoRecord: op({
    method: 'GET',
    path: '/v1/record/{job_id}/{build_no}/build-info-record',
    summary: 'One build record by build number',
    tag: 'Records',
    auth: 'project',
    params: BuildNoParams,
    response: { 200: records.OneRecord },
  }),
  showJobSuccessRatio: op({
    method: 'GET',
    path: '/v3/jobs/{job_id}/success-ratio',
    summary: "Share of a job's finished builds that succeeded, between two dates",
    tag: 'Records',
    auth: 'project',
    params: JobIdParams,
    query: records.SuccessRatioQuery,
    response: { 200: records.SuccessRatio },
  }),
  importBuildRecords: op({
    method: 'POST',
    path: '/v1/kiln/jobs/{job_id}/import',
    summary: 'Import build history: NDJSON body, one BuildInfoRecord per line (Kiln)',
    tag: 'Kiln',
    auth: 'project',
    params: JobIdParams,
    query: records.ImportQuery,
    response: { 200: Envelope(records.ImportSummary) },
  }),

  runJob: op({
    method: 'POST',
    path: '/v3/jobs/build',
    summary: 'Run a job: the build is accepted at once (queued) and its numbers returned',
    tag: 'Builds',
    auth: 'project',
    body: builds.RunJobBody,
    response: { 200: builds.RunJobResult },
  }),
  executeJob: op({
    method: 'POST',
    path: '/v1/job/execute',
    summary: 'Run a job (v1)',
    tag: 'Builds',
    auth: 'project',
    body: builds.RunJobBody,
    response: { 200: builds.RunJobResult },
  }),
  stopBuildJob: op({
    method: 'POST',
    path: '/v3/jobs/{job_id}/{build_no}/stop',
    summary:
      'Stop a build: a queued one leaves the queue, a running one has its processes killed; both end ABORTED',
    tag: 'Builds',
    auth: 'project',
    params: BuildNoParams,
    response: { 200: builds.StopResult },
  }),
  stopJob: op({
    method: 'POST',
    path: '/v3/jobs/stop',
    summary: 'Stop a build (body variant)',
    tag: 'Builds',
    auth: 'project',
    body: builds.StopJobBody,
    response: { 200: Type.Object({ result: Type.Boolean() }) },
  }),
  showJobStatus: op({
    method: 'GET',
    path: '/v3/jobs/{job_id}/status',
    summary: 'Whether a build of the job is queued or running',
    tag: 'Builds',
    auth: 'project',
    params: JobIdParams,
    response: { 200: builds.JobStatusResult },
  }),
  showRunningStatus: op({
    method: 'GET',
    path: '/v1/job/{job_id}/running-status',
    summary: "The job's latest build and whether one is running (v1)",
    tag: 'Builds',
    auth: 'project',
    params: JobIdParams,
    response: { 200: builds.RunningStatusResult },
  }),
  showListHistory: op({
    method: 'GET',
    path: '/v3/jobs/{job_id}/history',
    summary: "The job's builds of the last N days, newest first",
    tag: 'Builds',
    auth: 'project',
    params: JobIdParams,
    query: builds.HistoryQuery,
    response: { 200: builds.HistoryResult },
  }),
  showListPeriodHistory: op({
    method: 'GET',
    path: '/v3/jobs/{job_id}/period-history',
    summary: "The job's builds between two dates, newest first",
    tag: 'Builds',
    auth: 'project',
    params: JobIdParams,
    query: builds.PeriodHistoryQuery,
    response: { 200: builds.PeriodHistoryResult },
  }),
  showHistoryDetails: op({
    method: 'GET',
    path: '/v3/jobs/{job_id}/{build_number}/history-details',
    summary: "A build's steps and parameters (sensitive values masked)",
    tag: 'Builds',
    auth: 'project',
    params: builds.BuildNumberParams,
    response: { 200: builds.HistoryDetails },
  }),
  showRecordDetail: op({
    method: 'GET',
    path: '/v4/jobs/{job_id}/{build_no}/record-info',
    summary: 'A build record with its record id, times and status',
    tag: 'Builds',
    auth: 'project',
    params: BuildNoParams,
    response: { 200: builds.RecordDetail },
  }),
  downloadRealTimeLog: op({
    method: 'GET',
    path: '/v3/jobs/{job_id}/{build_no}/real-time-log',
    summary: 'The build log from a byte offset; loop on the returned offset while has_more_data',
    tag: 'Logs',
    auth: 'project',
    params: BuildNoParams,
    query: builds.RealTimeLogQuery,
    response: { 200: builds.RealTimeLog },
  }),
  downloadBuildLog: op({
    method: 'GET',
    path: '/v4/{record_id}/download-log',
    summary: 'The whole build log as a file',
    tag: 'Logs',
    auth: 'project',
    params: builds.RecordIdParams,
    query: builds.BuildLogQuery,
    response: { 200: null },
    produces: 'application/octet-stream',
  }),
  downloadTaskLog: op({
    method: 'GET',
    path: '/v4/{record_id}/task-log',
    summary: "One step's part of the build log as a file (task_name = the step's name)",
    tag: 'Logs',
    auth: 'project',
    params: builds.RecordIdParams,
    query: builds.TaskLogQuery,
    response: { 200: null },
    produces: 'application/octet-stream',
  }),
  receiveWebhook: op({
    method: 'POST',
    path: '/v1/kiln/webhooks/{job_id}',
    summary:
      "Push webhook from GitHub, GitLab, Gitea or Gitee, checked against the job's webhook secret (Kiln)",
    tag: 'Kiln',
    auth: 'none',
    params: JobIdParams,
    response: { 200: builds.WebhookResult },
  }),
  showJobWebhook: op({
    method: 'GET',
    path: '/v1/kiln/jobs/{job_id}/webhook',
    summary: "The job's push-webhook URL and secret (developers and owners) (Kiln)",
    tag: 'Kiln',
    auth: 'project',
    params: JobIdParams,
    response: { 200: builds.WebhookInfo },
  }),

  createDomain: op({
    method: 'POST',
    path: '/v1/kiln/domains',
    summary: 'Create a domain (tenant) with its first administrator (admins of the default domain)',
    tag: 'Kiln admin',
    auth: 'any',
    body: admin.CreateDomainBody,
    response: { 201: admin.DomainResult },
  }),
  listUsers: op({
    method: 'GET',
    path: '/v1/kiln/users',
    summary: "List the domain's users (domain admins)",
    tag: 'Kiln admin',
    auth: 'any',
    response: { 200: admin.UserListResult },
  }),
  createUser: op({
    method: 'POST',
    path: '/v1/kiln/users',
    summary: 'Create a user in the domain (domain admins)',
    tag: 'Kiln admin',
    auth: 'any',
    body: admin.CreateUserBody,
    response: { 201: admin.UserResult },
  }),
  showCurrentUser: op({
    method: 'GET',
    path: '/v1/kiln/users/me',
    summary: 'Who the caller is',
    tag: 'Kiln admin',
    auth: 'any',
    response: { 200: admin.UserResult },
  }),
  changeOwnPassword: op({
    method: 'POST',
    path: '/v1/kiln/users/me/password',
    summary: "Change the caller's own password (revokes their tokens)",
    tag: 'Kiln admin',
    auth: 'any',
    body: admin.ChangeOwnPasswordBody,
    response: { 200: StatusOnly },
  }),
  updateUser: op({
    method: 'PUT',
    path: '/v1/kiln/users/{user}',
    summary: 'Change, disable or enable a user (domain admins; disabling revokes their tokens)',
    tag: 'Kiln admin',
    auth: 'any',
    params: admin.UserRefParams,
    body: admin.UpdateUserBody,
    response: { 200: admin.UserResult },
  }),
  setUserPassword: op({
    method: 'PUT',
    path: '/v1/kiln/users/{user}/password',
    summary: "Set a user's password (domain admins; revokes their tokens)",
    tag: 'Kiln admin',
    auth: 'any',
    params: admin.UserRefParams,
    body: admin.SetPasswordBody,
    response: { 200: StatusOnly },
  }),
  createProject: op({
    method: 'POST',
    path: '/v1/kiln/projects',
    summary: 'Create a CodeArts project; the caller becomes its owner (domain admins)',
    tag: 'Kiln admin',
    auth: 'any',
    body: admin.CreateProjectBody,
    response: { 201: admin.ProjectResult },
  }),
  listMembers: op({
    method: 'GET',
    path: '/v1/kiln/projects/{project_id}/members',
    summary: "List a project's members and roles",
    tag: 'Kiln admin',
    auth: 'any',
    params: jobs.ProjectIdParams,
    response: { 200: admin.MemberListResult },
  }),
  setMember: op({
    method: 'PUT',
    path: '/v1/kiln/projects/{project_id}/members/{user}',
    summary: 'Add a member or change their role (owners)',
    tag: 'Kiln admin',
    auth: 'any',
    params: admin.MemberParams,
    body: admin.SetMemberBody,
    response: { 200: admin.MemberResult },
  }),
  removeMember: op({
    method: 'DELETE',
    path: '/v1/kiln/projects/{project_id}/members/{user}',
    summary: 'Remove a member (owners)',
    tag: 'Kiln admin',
    auth: 'any',
    params: admin.MemberParams,
    response: { 200: StatusOnly },
  }),
  createRunner: op({
    method: 'POST',
    path: '/v1/kiln/runners',
    summary: 'Register a remote runner and get its token (administrators of the default domain)',
    tag: 'Kiln admin',
    auth: 'any',
    body: admin.CreateRunnerBody,
    response: { 201: admin.CreatedRunnerResult },
  }),
  listRunners: op({
    method: 'GET',
    path: '/v1/kiln/runners',
    summary: 'List remote runners and when each was last seen',
    tag: 'Kiln admin',
    auth: 'any',
    response: { 200: admin.RunnerListResult },
  }),
  updateRunner: op({
    method: 'PUT',
    path: '/v1/kiln/runners/{runner_id}',
    summary: "Disable or enable a runner (a disabled runner's token stops working)",
    tag: 'Kiln admin',
    auth: 'any',
    params: admin.RunnerParams,
    body: admin.UpdateRunnerBody,
    response: { 200: admin.RunnerResult },
  }),
  deleteRunner: op({
    method: 'DELETE',
    path: '/v1/kiln/runners/{runner_id}',
    summary: 'Remove a runner; its token stops working',
    tag: 'Kiln admin',
    auth: 'any',
    params: admin.RunnerParams,
    response: { 200: StatusOnly },
  }),
} as const;

/** An operation id. */
export type OperationId = keyof typeof operations;

/** Health and metrics endpoints (not CodeArts operations). */
export const SERVICE_PATHS = {
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  openapi: '/openapi.json',
} as const;

/** An empty object schema, for operations that take no input. */
export const NoInput = Type.Object({});
