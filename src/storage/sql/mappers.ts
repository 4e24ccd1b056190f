import type { Insertable, Selectable } from 'kysely';
import type {
  Build,
  BuildParameter,
  BuildState,
  BuildStep,
  BuildType,
  RunningStatus,
  StepStatus,
  TriggerType,
} from '../../domain/build.ts';
import type { RecordRenderer } from '../../domain/rendered-record.ts';
import type { RunnerPlace } from '../../domain/resource-match.ts';
import type { Coverage } from '../../domain/test-report.ts';
import type { Domain, IamProject, Project, TokenScope, User } from '../../domain/identity.ts';
import type { AccessKeyRecord, JobRecord, RunnerRecord, RunnerToolsRecord, TokenRecord } from '../ports.ts';
import type {
  AccessKeyRow,
  BuildStepRow,
  BuildRow,
  DomainRow,
  IamProjectRow,
  JobRow,
  ProjectRow,
  RunnerRow,
  RunnerToolsRow,
  TokenRow,
  UserRow,
} from '../schema.ts';

/** Rows <-> domain objects. Drivers differ in what they return for integers, so every number goes through Number(). */

export const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A domains row; a join that reads only the name may leave the settings out. */
export function toDomain(row: Omit<DomainRow, 'recycle_bin_days'> & Partial<DomainRow>): Domain {
  return {
    id: row.id,
    name: row.name,
    createdAt: num(row.created_at),
    ...(row.recycle_bin_days != null && { recycleBinDays: num(row.recycle_bin_days) }),
  };
}

/** The user's public columns: a users row, or the same columns joined into another query. */
export type UserColumns = Pick<
  UserRow,
  'id' | 'domain_id' | 'name' | 'display_name' | 'is_admin' | 'disabled' | 'created_at'
>;

export function toUser(row: UserColumns): User {
  return {
    id: row.id,
    domainId: row.domain_id,
    name: row.name,
    displayName: row.display_name,
    isAdmin: num(row.is_admin) === 1,
    disabled: num(row.disabled) === 1,
    createdAt: num(row.created_at),
  };
}

export function toIamProject(row: IamProjectRow): IamProject {
  return { id: row.id, domainId: row.domain_id, name: row.name };
}

export function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    domainId: row.domain_id,
    name: row.name,
    description: row.description,
    creatorId: row.creator_id,
    createdAt: num(row.created_at),
  };
}

export function toTokenRecord(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    scope: row.scope as TokenScope,
    iamProjectId: row.iam_project_id,
    issuedAt: num(row.issued_at),
    expiresAt: num(row.expires_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}

export function tokenToRow(t: TokenRecord): TokenRow {
  return {
    id: t.id,
    user_id: t.userId,
    scope: t.scope,
    iam_project_id: t.iamProjectId,
    issued_at: t.issuedAt,
    expires_at: t.expiresAt,
    revoked_at: t.revokedAt,
  };
}

export function toAccessKey(row: AccessKeyRow): AccessKeyRecord {
  return {
    ak: row.ak,
    userId: row.user_id,
    secretEnc: row.secret_enc,
    description: row.description,
    status: row.status === 'disabled' ? 'disabled' : 'active',
    createdAt: num(row.created_at),
    lastUsedAt: numOrNull(row.last_used_at),
  };
}

export function toJobRecord(row: Selectable<JobRow>): JobRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    creatorId: row.creator_id,
    config: row.config,
    disabled: num(row.disabled) === 1,
    disabledReason: row.disabled_reason,
    webhookSecretEnc: row.webhook_secret_enc,
    lastBuildNumber: num(row.last_build_number),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    recordsVersion: num(row.records_version),
    ...(row.group_id !== null && row.group_id !== undefined && { groupId: row.group_id }),
    ...(row.project_permissions !== undefined &&
      num(row.project_permissions) === 0 && { ownPermissions: true }),
  };
}

export function jobToRow(job: JobRecord): Insertable<JobRow> {
  return {
    id: job.id,
    project_id: job.projectId,
    name: job.name,
    creator_id: job.creatorId,
    config: job.config,
    disabled: job.disabled ? 1 : 0,
    disabled_reason: job.disabledReason,
    webhook_secret_enc: job.webhookSecretEnc,
    last_build_number: job.lastBuildNumber,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    deleted_at: null,
    records_version: job.recordsVersion,
    // Absent when none, so that the stores also write a database from before groups (upgrade tests).
    ...(job.groupId !== undefined && { group_id: job.groupId }),
  };
}

/** The build columns every read needs (everything but runner bookkeeping). */
export const BUILD_COLUMNS = [
  'id',
  'job_id',
  'number',
  'daily_build_number',
  'start_time',
  'run_started_at',
  'finished_at',
  'running_status',
  'state',
  'trigger_type',
  'user_id',
  'executor',
  'nickname',
  'commit_id',
  'commit_time',
  'commit_message',
  'build_type',
  'code_branch',
  'scm_type',
  'scm_web_url',
  'build_time',
  'cost_time',
  'parameters',
  'requested_commit',
] as const;

/** A build row as read with BUILD_COLUMNS. */
export type BuildReadRow = Pick<BuildRow, (typeof BUILD_COLUMNS)[number]>;

const BUILD_INDEX = Object.fromEntries(BUILD_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof BUILD_COLUMNS)[number],
  number
>;

/** A build from a row read with BUILD_COLUMNS, as an object or (see array-rows.ts) as an array of values. */
export function toBuild(row: BuildReadRow | readonly unknown[]): Build {
  const v: (c: keyof BuildReadRow) => unknown = Array.isArray(row)
    ? (c) => row[BUILD_INDEX[c]]
    : (c) => (row as BuildReadRow)[c];
  return {
    recordId: v('id') as string,
    jobId: v('job_id') as string,
    number: num(v('number')),
    dailyBuildNumber: v('daily_build_number') as string,
    startTime: num(v('start_time')),
    runStartedAt: numOrNull(v('run_started_at')),
    finishedAt: numOrNull(v('finished_at')),
    runningStatus: v('running_status') as RunningStatus,
    state: v('state') as BuildState | '',
    triggerType: v('trigger_type') as TriggerType,
    userId: v('user_id') as string,
    executor: v('executor') as string,
    nickname: v('nickname') as string,
    commitId: v('commit_id') as string,
    commitTime: numOrNull(v('commit_time')),
    commitMessage: v('commit_message') as string,
    buildType: v('build_type') as BuildType,
    codeBranch: v('code_branch') as string,
    scmType: v('scm_type') as string,
    scmWebUrl: v('scm_web_url') as string,
    buildTime: numOrNull(v('build_time')),
    costTime: numOrNull(v('cost_time')),
    parameters: parseParameters(v('parameters') as string),
    requestedCommit: v('requested_commit') as string,
  };
}

/** Most builds have no parameters: skip JSON.parse for the empty list. */
function parseParameters(text: string): BuildParameter[] {
  return text === '[]' ? [] : (JSON.parse(text) as BuildParameter[]);
}

/** JSON.stringify writes a lone surrogate, and nothing else, as a `\udXXX` escape. */
const LONE_SURROGATE = /\\ud[89a-f]/;

/**
 * The record to keep beside a finished build, or null. A build with a lone surrogate in a text
 * keeps none: the drivers store it as invalid UTF-8 that reads back as replacement characters (one
 * or three, by driver), so only a record rendered from the row as read matches the row; such a
 * build is rendered from its row on every request instead, as before records were kept.
 */
export function recordToKeep(b: Build, records: RecordRenderer | undefined): string | null {
  if (records === undefined || b.runningStatus !== 'Finished') return null;
  const text = records.render(b);
  return LONE_SURROGATE.test(text) ? null : text;
}

/** The row of a build; with a renderer, a finished build's row carries its record (see above). */
export function buildToRow(b: Build, plan: string | null = null, records?: RecordRenderer): BuildRow {
  const record = recordToKeep(b, records);
  return {
    id: b.recordId,
    job_id: b.jobId,
    number: b.number,
    daily_build_number: b.dailyBuildNumber,
    start_time: b.startTime,
    run_started_at: b.runStartedAt,
    finished_at: b.finishedAt,
    running_status: b.runningStatus,
    state: b.state,
    trigger_type: b.triggerType,
    user_id: b.userId,
    executor: b.executor,
    nickname: b.nickname,
    commit_id: b.commitId,
    commit_time: b.commitTime,
    commit_message: b.commitMessage,
    commit_author: '',
    build_type: b.buildType,
    code_branch: b.codeBranch,
    scm_type: b.scmType,
    scm_web_url: b.scmWebUrl,
    build_time: b.buildTime,
    cost_time: b.costTime,
    parameters: JSON.stringify(b.parameters),
    requested_commit: b.requestedCommit,
    runner_id: null,
    lease_expires_at: null,
    log_size: 0,
    cancel_requested: 0,
    plan,
    record_json: record,
    record_format: record === null ? null : (records?.format ?? null),
    queue_seq: null,
    queue_needs_arch: null,
    queue_needs_pool: null,
    lost_claims: 0,
  };
}

/** What a queue row (or a build's kept place) says the build needs of a runner (null: anything). */
export function needsOf(arch: string | null, pool: string | null): RunnerPlace {
  return { ...(arch !== null && { arch }), ...(pool !== null && { pool }) };
}

export function toBuildStep(row: BuildStepRow): BuildStep {
  return {
    index: num(row.idx),
    name: row.name,
    moduleId: row.module_id,
    enabled: num(row.enabled) === 1,
    status: row.status as StepStatus,
    startedAt: numOrNull(row.started_at),
    finishedAt: numOrNull(row.finished_at),
    logStart: numOrNull(row.log_start),
    logEnd: numOrNull(row.log_end),
    ...(row.tests_total !== null &&
      row.tests_total !== undefined && {
        tests: {
          tests: num(row.tests_total),
          failures: num(row.tests_failures ?? 0),
          errors: num(row.tests_errors ?? 0),
          skipped: num(row.tests_skipped ?? 0),
        },
      }),
    ...(row.coverage_format !== null &&
      row.coverage_format !== undefined && {
        coverage: {
          format: row.coverage_format as Coverage['format'],
          linesCovered: num(row.coverage_lines_covered ?? 0),
          linesTotal: num(row.coverage_lines_total ?? 0),
          branchesCovered: num(row.coverage_branches_covered ?? 0),
          branchesTotal: num(row.coverage_branches_total ?? 0),
        },
      }),
  };
}

/** The coverage columns of a step (none when it has no coverage, as before migration 021). */
export function coverageToRow(c: Coverage | undefined): Partial<BuildStepRow> {
  return c
    ? {
        coverage_format: c.format,
        coverage_lines_covered: c.linesCovered,
        coverage_lines_total: c.linesTotal,
        coverage_branches_covered: c.branchesCovered,
        coverage_branches_total: c.branchesTotal,
      }
    : {};
}

export function buildStepToRow(recordId: string, s: BuildStep): BuildStepRow {
  return {
    build_id: recordId,
    idx: s.index,
    name: s.name,
    module_id: s.moduleId,
    enabled: s.enabled ? 1 : 0,
    status: s.status,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    log_start: s.logStart,
    log_end: s.logEnd,
    tests_total: s.tests?.tests ?? null,
    tests_failures: s.tests?.failures ?? null,
    tests_errors: s.tests?.errors ?? null,
    tests_skipped: s.tests?.skipped ?? null,
    ...coverageToRow(s.coverage),
  };
}

/** A runner's announced tools; a row whose JSON does not parse shows no tools. */
export function toRunnerTools(row: RunnerToolsRow): RunnerToolsRecord {
  let tools: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(row.tools);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      tools = parsed as Record<string, string>;
  } catch {
    // kept as none
  }
  return {
    runnerId: row.runner_id,
    host: row.host,
    tools,
    arch: row.arch ?? null,
    pool: row.pool ?? null,
    reportedAt: num(row.reported_at),
  };
}

export function toRunner(row: RunnerRow): RunnerRecord {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    createdAt: num(row.created_at),
    lastSeenAt: numOrNull(row.last_seen_at),
    disabled: num(row.disabled) === 1,
  };
}
