import type { Generated } from 'kysely';

/**
 * Row types of every table, as Kysely sees them. Booleans are stored as 0/1 integers and times as
 * epoch-ms integers so that the same SQL runs on SQLite and PostgreSQL.
 */

export interface DomainRow {
  id: string;
  name: string;
  created_at: number;
  /** SetKeepTime: days a deleted job stays in the recycle bin; null: the server's setting. */
  recycle_bin_days: number | null;
}

export interface UserRow {
  id: string;
  domain_id: string;
  name: string;
  display_name: string;
  password_hash: string;
  is_admin: number;
  disabled: number;
  /** No longer read (sign-in throttling moved to login_throttles); kept for servers of the previous version. */
  failed_logins: Generated<number>;
  /** No longer read, like failed_logins. */
  locked_until: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface IamProjectRow {
  id: string;
  domain_id: string;
  name: string;
}

export interface ProjectRow {
  id: string;
  domain_id: string;
  name: string;
  description: string;
  creator_id: string;
  created_at: number;
}

export interface ProjectMemberRow {
  project_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

export interface TokenRow {
  /** SHA-256 of the token; the token itself is never stored. */
  id: string;
  user_id: string;
  scope: string;
  iam_project_id: string | null;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface AccessKeyRow {
  ak: string;
  user_id: string;
  /** The secret key, encrypted with the server's secret (AES-256-GCM); needed to check signatures. */
  secret_enc: string;
  description: string;
  status: string;
  created_at: number;
  last_used_at: number | null;
}

export interface JobRow {
  id: string;
  project_id: string;
  name: string;
  creator_id: string;
  /** The job document (CodeArts create body) as JSON. */
  config: string;
  disabled: number;
  disabled_reason: string;
  /** The push-webhook secret, encrypted like access keys. */
  webhook_secret_enc: string;
  last_build_number: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  /** Who moved the job to the recycle bin. */
  deleted_by: string | null;
  /** 1 once its permanent deletion was asked for: the purge removes it. */
  purge_requested: Generated<number>;
  /** Changes whenever the job's build history could read differently (kept by triggers). */
  records_version: number;
  /** The group the job is in (null: none). */
  group_id: string | null;
  /** 1: the job follows its project's permissions; 0: its own (job_permissions). */
  project_permissions: Generated<number>;
}

/** A row of a job's own permission matrix. */
export interface JobPermissionRow {
  job_id: string;
  /** owner, developer, viewer or creator. */
  role: string;
  /** The permissions, bit i for JOB_PERMISSIONS[i]. */
  flags: number;
  created_at: number;
  updated_at: number;
}

export interface DailyCounterRow {
  job_id: string;
  day: string;
  n: number;
}

export interface BuildRow {
  id: string;
  job_id: string;
  number: number;
  daily_build_number: string;
  start_time: number;
  run_started_at: number | null;
  finished_at: number | null;
  running_status: string;
  state: string;
  trigger_type: string;
  user_id: string;
  executor: string;
  nickname: string;
  commit_id: string;
  commit_time: number | null;
  build_type: string;
  code_branch: string;
  scm_type: string;
  scm_web_url: string;
  build_time: number | null;
  cost_time: number | null;
  /** JSON array of {name, value, sensitive}. */
  parameters: string;
  requested_commit: string;
  runner_id: string | null;
  lease_expires_at: number | null;
  log_size: number;
  /** 1 once someone asked to stop the build; the runner holding it sees this on its next heartbeat. */
  cancel_requested: number;
  commit_message: string;
  /** The commit's author's name ('' when not known). */
  commit_author: string;
  /** JSON of the build's plan (what it runs), fixed at trigger time; null for imported builds. */
  plan: string | null;
  /**
   * A finished build's record as the records list shows it (domain/rendered-record.ts), written when
   * it is stored finished or finishes; null before. A change to a finished build's shown fields (a
   * data migration) must set it back to null.
   */
  record_json: string | null;
  /** The `RecordRenderer.format` of `record_json`. */
  record_format: number | null;
  /** The queue place (`build_queue.seq`) and needs the build's claim took off the queue (migration 030). */
  queue_seq: number | null;
  queue_needs_arch: string | null;
  queue_needs_pool: string | null;
  /** Claims whose runner went silent before the build started. */
  lost_claims: number;
}

export interface BuildCountRow {
  job_id: string;
  /** floor(start_time / BUCKET_MS): one row per job per UTC day that has builds. */
  bucket: number;
  n: number;
}

export interface BuildStepRow {
  build_id: string;
  idx: number;
  name: string;
  module_id: string;
  enabled: number;
  status: string;
  started_at: number | null;
  finished_at: number | null;
  log_start: number | null;
  log_end: number | null;
  /** JUnit counts of the step's reports (migration 013); null without reports. */
  tests_total?: number | null;
  tests_failures?: number | null;
  tests_errors?: number | null;
  tests_skipped?: number | null;
  /** Coverage of the step's reports (migration 021); null without. */
  coverage_format?: string | null;
  coverage_lines_covered?: number | string | null;
  coverage_lines_total?: number | string | null;
  coverage_branches_covered?: number | string | null;
  coverage_branches_total?: number | string | null;
}

/** A test case of a step's JUnit reports (migration 021). */
export interface TestCaseRow {
  build_id: string;
  step_idx: number;
  seq: number;
  suite: string;
  class_name: string;
  name: string;
  status: string;
  duration_ms: number | string;
  message: string;
  detail: string;
}

export interface BuildScriptRow {
  build_id: string;
  config_type: string;
  path: string;
  script: string;
}

/** A job as it stood after one change (its document sealed as the job row keeps it). */
export interface JobVersionRow {
  job_id: string;
  /** 1, 2, ...: the CodeArts `update_number`. */
  number: number;
  /** CREATE, UPDATE, DISABLE, ENABLE, DELETE or RESTORE. */
  update_type: string;
  user_id: string;
  config: string;
  created_at: number;
}

/** A folder of jobs in a project's group tree. */
export interface JobGroupRow {
  id: string;
  project_id: string;
  /** null: a top-level group. */
  parent_id: string | null;
  name: string;
  /** Its place among its siblings (SwitchedPacket swaps two). */
  ordinal: number;
  /** Its ancestors' ids and its own, dot-separated. */
  path_id: string;
  creator_id: string;
  created_at: number;
  updater_id: string | null;
  updated_at: number | null;
}

/** A job a user marked as a favourite. */
export interface JobFavouriteRow {
  user_id: string;
  job_id: string;
  created_at: number;
}

export interface ArtifactRow {
  id: string;
  build_id: string;
  job_id: string;
  build_number: number;
  name: string;
  version: string;
  size: number;
  sha256: string;
  content_type: string;
  created_at: number;
}

export interface BuildFlowRow {
  parent_id: string;
  strategy: string;
  /** How many jobs the flow has (migration 030: their rows go with their builds). */
  job_count: Generated<number>;
}

export interface FlowJobRow {
  child_id: string;
  parent_id: string;
  position: number;
  name: string;
  depends_on: string;
  build_ref: string;
  started: Generated<number>;
}

export interface LogChunkRow {
  build_id: string;
  start_offset: number;
  data: Uint8Array;
}

export interface BuildQueueRow {
  seq: Generated<number>;
  build_id: string;
  job_id: string;
  /** The job's project (the fair claim takes turns between projects). */
  project_id: string;
  enqueued_at: number;
  /** What the build needs of a runner (env.resource), null for any: a build handed back. */
  needs_arch: string | null;
  needs_pool: string | null;
}

/** When each project last had a queued build claimed (a counter, for taking turns). */
export interface QueueTurnRow {
  project_id: string;
  turn: number;
}

export interface ScheduleStateRow {
  job_id: string;
  trigger_key: string;
  last_due: number;
  next_due: number | null;
  /** The time zone `next_due` was computed in; null: from before it was kept (the server's own). */
  time_zone: string | null;
}

export interface RunnerRow {
  id: string;
  name: string;
  token_hash: string;
  created_at: number;
  last_seen_at: number | null;
  disabled: number;
}

/** What a runner last announced of its tools (migration 011). */
export interface RunnerToolsRow {
  runner_id: string;
  host: string;
  /** JSON: tool name -> version. */
  tools: string;
  reported_at: number;
  /** The runner's process.arch and pool, null when it did not announce them. */
  arch: string | null;
  pool: string | null;
}

/** A counter of sign-in attempts (domain/login-throttle.ts). */
export interface LoginThrottleRow {
  /** SHA-256 of what is counted (a user and an address, or an address); never the name itself. */
  key: string;
  /** Attempts let through since the counter last started. */
  attempts: number;
  /** Attempts are refused before this time (epoch ms; 0 = not locked). */
  locked_until: number;
  /** When the last attempt was let through. */
  last_at: number;
}

/** The signature of an AK/SK request already served (replay protection). */
export interface UsedSignatureRow {
  /** The hex HMAC of the Authorization header. */
  signature: string;
  /** After this the request's X-Sdk-Date is outside the skew window, so the row can go. */
  expires_at: number;
}

/** A push delivery that started a build (replays of it are refused). */
export interface WebhookReceiptRow {
  id: string;
  job_id: string;
  received_at: number;
  sender: string;
  event: string;
  delivery: string;
  outcome: string;
  error: string;
  reason: string;
  build_number: number | null;
}

export interface WebhookDeliveryRow {
  job_id: string;
  /** `delivery:` or `body:` and a SHA-256: never the host's text itself. */
  delivery_key: string;
  received_at: number;
}

/** The whole database, for Kysely. */
export interface Database {
  domains: DomainRow;
  users: UserRow;
  iam_projects: IamProjectRow;
  projects: ProjectRow;
  project_members: ProjectMemberRow;
  tokens: TokenRow;
  access_keys: AccessKeyRow;
  jobs: JobRow;
  job_groups: JobGroupRow;
  job_permissions: JobPermissionRow;
  job_versions: JobVersionRow;
  job_favourites: JobFavouriteRow;
  daily_counters: DailyCounterRow;
  builds: BuildRow;
  build_counts: BuildCountRow;
  build_steps: BuildStepRow;
  build_scripts: BuildScriptRow;
  test_cases: TestCaseRow;
  artifacts: ArtifactRow;
  build_flows: BuildFlowRow;
  flow_jobs: FlowJobRow;
  log_chunks: LogChunkRow;
  build_queue: BuildQueueRow;
  queue_turns: QueueTurnRow;
  schedule_state: ScheduleStateRow;
  runners: RunnerRow;
  runner_tools: RunnerToolsRow;
  webhook_deliveries: WebhookDeliveryRow;
  webhook_receipts: WebhookReceiptRow;
  job_badges: JobBadgeRow;
  job_notices: JobNoticeRow;
  notifications: NotificationRow;
  notification_attempts: NotificationAttemptRow;
  inbox_messages: InboxMessageRow;
  job_watchers: JobWatcherRow;
  user_notice_settings: UserNoticeSettingRow;
  keystores: KeystoreRow;
  keystore_permissions: KeystorePermissionRow;
  keystore_accesses: KeystoreAccessRow;
  build_templates: BuildTemplateRow;
  template_favourites: TemplateFavouriteRow;
  template_uses: TemplateUseRow;
  login_throttles: LoginThrottleRow;
  used_signatures: UsedSignatureRow;
  server_settings: ServerSettingRow;
}

/** A value the whole database shares (migration 033). */
export interface ServerSettingRow {
  key: string;
  value: string;
  updated_at: number;
}

/** A job whose status badge is on (migration 025). */
export interface JobBadgeRow {
  job_id: string;
  enabled_at: number;
}

/** A job's settings of one notice channel (migration 026). */
export interface JobNoticeRow {
  job_id: string;
  notice_type: string;
  /** JSON array of the event names it is sent for. */
  events: string;
  only_on_change: number;
  /** The sealed `param_config` (SecretBox), or null when none was given. */
  param_config_enc: string | null;
  updated_at: number;
}

/** A notification in the outbox (migration 026). */
export interface NotificationRow {
  id: string;
  job_id: string;
  channel: string;
  event: string;
  payload: string;
  state: string;
  attempts: number;
  created_at: number;
  next_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  ended_at: number | null;
  last_error: string;
}

/** One attempt to deliver a notification. */
export interface NotificationAttemptRow {
  notification_id: string;
  attempt: number;
  at: number;
  ok: number;
  status_code: number | null;
  error: string;
  duration_ms: number;
  server: string;
}

/** A notification in a user's Kiln inbox (the MESSAGE channel). */
export interface InboxMessageRow {
  id: string;
  user_id: string;
  job_id: string;
  event: string;
  payload: string;
  created_at: number;
  read_at: number | null;
}

/** A user who asked to be notified of a job. */
export interface JobWatcherRow {
  job_id: string;
  user_id: string;
  created_at: number;
}

/** Where a user's notification mail goes. */
export interface UserNoticeSettingRow {
  user_id: string;
  email: string;
  updated_at: number;
}

/** A file of the file manager (migration 027); `content` is sealed (SecretBox.sealBytes). */
export interface KeystoreRow {
  id: string;
  domain_id: string;
  name: string;
  description: string;
  share: number;
  size: number;
  sha256: string;
  content: Uint8Array;
  creator_id: string;
  created_at: number;
  updater_id: string;
  updated_at: number;
}

/** What one user may do with a file. */
export interface KeystorePermissionRow {
  id: string;
  keystore_id: string;
  user_id: string;
  setting: number;
  can_delete: number;
  modify: number;
  usage: number;
  can_absent: number;
  created_at: number;
}

/** A read of a file: downloaded through the API, or given to a build. */
export interface KeystoreAccessRow {
  keystore_id: string;
  at: number;
  user_id: string;
  how: string;
  record_id: string | null;
}

/** A domain's own build template (migration 028); steps and parameters as JSON. */
export interface BuildTemplateRow {
  uuid: string;
  domain_id: string;
  name: string;
  description: string;
  tool_type: string;
  steps: string;
  parameters: string;
  creator_id: string;
  created_at: number;
}

/** A template (custom or official) a user marked a favourite. */
export interface TemplateFavouriteRow {
  user_id: string;
  template_uuid: string;
  created_at: number;
}

/** The template a job was started from. */
export interface TemplateUseRow {
  job_id: string;
  template_uuid: string;
  domain_id: string;
  user_id: string;
  used_at: number;
}
