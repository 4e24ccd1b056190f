import type { JobListQuery } from '../domain/job-list.ts';
import type { BackoffPolicy } from '../domain/login-throttle.ts';
import type { Artifact, BuildWithArtifacts, ByteRange } from '../domain/artifact.ts';
import type { FlowStrategy } from '../domain/build-flow.ts';
import type {
  ActiveCounts,
  Build,
  BuildParameter,
  BuildScript,
  BuildState,
  BuildStep,
  StepStatus,
  TestCounts,
} from '../domain/build.ts';
import type { Coverage, TestCase, TestStatus } from '../domain/test-report.ts';
import type { Domain, IamProject, Membership, Project, TokenScope, User } from '../domain/identity.ts';
import type { RunnerPlace } from '../domain/resource-match.ts';
import type { Role } from '../domain/roles.ts';
import type { RecordFilter } from '../domain/record-filter.ts';
import type { InsightColumns, StageTime } from '../domain/insights.ts';
import type { PermissionRole, PermissionSet } from '../domain/job-permissions.ts';
import type { NoticeEvent, NoticeSetting, SentType } from '../domain/notices.ts';
import type { Keystore, KeystorePermission, KeystoreRights } from '../domain/keystore.ts';
import type { SqlDialectName } from './sql/dialect.ts';

/**
 * The storage ports: one small interface per aggregate. Every method is one atomic statement
 * unless it says otherwise; several calls are made atomic by running them inside
 * `Storage.transaction`. Rules shared by all ports:
 * - Lookups return `undefined` for "not there"; they never throw for it.
 * - A write refused by a unique constraint throws `UniqueViolationError` (storage/errors.ts); one
 *   that names a row that is gone (its parent deleted meanwhile) throws `ForeignKeyViolationError`.
 * - A store that cannot be reached throws `AppError('STORE_UNAVAILABLE')`; nothing is half-written.
 * - Times are epoch ms; the caller passes `now` so that tests control the clock.
 */

/**
 * Called after every statement a store runs, with its SQL text and how long it took (tests count
 * the statements of one request with it; a benchmark may time them).
 */
export type QueryObserver = (query: { sql: string; ms: number }) => void;

/** Domains (tenants). */
export interface DomainStore {
  insert(domain: Domain): Promise<void>;
  findById(id: string): Promise<Domain | undefined>;
  findByName(name: string): Promise<Domain | undefined>;
  list(): Promise<Domain[]>;
  /** SetKeepTime: the domain's recycle-bin retention. */
  setRecycleBinDays(id: string, days: number): Promise<void>;
}

/** A user together with what only sign-in may look at. */
export interface UserCredentials {
  user: User;
  passwordHash: string;
}

/** Users and their credentials. */
export interface UserStore {
  insert(user: User, passwordHash: string): Promise<void>;
  findById(id: string): Promise<User | undefined>;
  findCredentialsByName(domainId: string, name: string): Promise<UserCredentials | undefined>;
  findCredentialsById(id: string): Promise<UserCredentials | undefined>;
  listByDomain(domainId: string): Promise<User[]>;
  setPassword(id: string, passwordHash: string, now: number): Promise<void>;
  update(
    id: string,
    changes: { displayName?: string; isAdmin?: boolean; disabled?: boolean },
    now: number,
  ): Promise<void>;
  /**
   * Replaces the password hash with one of the same password at a new cost, only if it is still
   * `expected` (a password changed meanwhile wins); false when it was not.
   */
  replacePasswordHash(id: string, expected: string, replacement: string): Promise<boolean>;
  /**
   * True while the user is enabled and their password hash is still `passwordHash`. In a
   * transaction it locks the user's row until the end, so a password change or a disabling (which
   * revokes the user's tokens in its own transaction) waits for it or is seen by it: a token stored
   * in the same transaction is either refused here or revoked by that change.
   */
  lockCredentials(id: string, passwordHash: string): Promise<boolean>;
  /**
   * The ids of the domain's enabled administrators, their rows locked until the end of the
   * transaction: two administrators changing each other at once are served one after the other,
   * the second seeing what the first did.
   */
  lockEnabledAdmins(domainId: string): Promise<string[]>;
}

/** What `LoginThrottleStore.admit` decided. */
export type ThrottleVerdict =
  { admitted: true; attempts: number; lockedUntil: number } | { admitted: false; lockedUntil: number };

/**
 * Counters of sign-in attempts (domain/login-throttle.ts). Keys are opaque (hashes); a key never
 * seen counts from zero.
 */
export interface LoginThrottleStore {
  /**
   * Counts one attempt against `key` unless it is locked at `now`, and sets the lock `policy` asks
   * for after that many attempts; one statement, so concurrent attempts on any server are counted
   * one by one and none slips past a lock. A counter idle for `policy.idleResetMs` starts again.
   */
  admit(key: string, now: number, policy: BackoffPolicy): Promise<ThrottleVerdict>;
  /** Takes one counted attempt back (it succeeded); lifts the lock when the count falls under `policy.free`. */
  forgive(key: string, policy: BackoffPolicy): Promise<void>;
  /** Forgets a counter. */
  clear(key: string): Promise<void>;
  /** Deletes counters with no attempt let through since `before`; returns how many. */
  deleteIdle(before: number): Promise<number>;
}

/** Signatures of AK/SK requests already served, so that a replay is refused on every server. */
export interface UsedSignatureStore {
  /** Records `signature` until `expiresAt`; false when it was already recorded (a replay). One statement. */
  remember(signature: string, expiresAt: number): Promise<boolean>;
  /** Deletes signatures that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}

/** A sealed stored secret: a text (SecretBox.seal) or bytes (SecretBox.sealBinary). */
export type SealedSample = { text: string } | { bytes: Uint8Array };

/** Values the whole database shares (`server_settings`), one per key. */
export interface ServerSettingStore {
  get(key: string): Promise<string | undefined>;
  /**
   * Stores `value` under `key` unless a value is there already; returns the value stored then
   * (this one, or the one another server stored first). Concurrent callers all get the same one.
   */
  putIfAbsent(key: string, value: string, now: number): Promise<string>;
  /** Stores `value` under `key`, replacing what was there. */
  put(key: string, value: string, now: number): Promise<void>;
  /**
   * The secret sealed with the server's key that was written last, if the database holds any: a
   * job's webhook secret, an access key's secret, a notice channel's settings or a file of the file
   * manager.
   */
  sealedSample(): Promise<SealedSample | undefined>;
}

/** IAM projects (what a project-scoped token names). */
export interface IamProjectStore {
  insert(project: IamProject): Promise<void>;
  findById(id: string): Promise<IamProject | undefined>;
  findByName(domainId: string, name: string): Promise<IamProject | undefined>;
  /** The domain's IAM projects, by name. */
  listByDomain(domainId: string): Promise<IamProject[]>;
}

/**
 * A project with the caller's membership role in it (undefined: a domain admin who is not a
 * member). It is the row's: the role the caller acts with is access.ts's (an administrator: owner).
 */
export interface ProjectWithRole {
  project: Project;
  role: Role | undefined;
}

/** CodeArts projects and their members. */
export interface ProjectStore {
  insert(project: Project): Promise<void>;
  findById(id: string): Promise<Project | undefined>;
  findByName(domainId: string, name: string): Promise<Project | undefined>;
  /**
   * Projects the user may see, by name: the ones they are a member of, or every project of the
   * domain when `allOfDomain` (domain admins). `search` matches part of the name.
   */
  listVisible(
    userId: string,
    domainId: string,
    allOfDomain: boolean,
    page: { offset: number; limit: number; search?: string },
  ): Promise<{ items: ProjectWithRole[]; total: number }>;
  /** Adds a member or changes their role. */
  setMember(member: Membership, now: number): Promise<void>;
  /** Removes a member; returns false when they were not one. */
  removeMember(projectId: string, userId: string): Promise<boolean>;
  findRole(projectId: string, userId: string): Promise<Role | undefined>;
  /**
   * Locks the project's row until the transaction ends (PostgreSQL; SQLite's writers take turns
   * anyway): adding jobs under a job limit counts and inserts without a second writer between, and
   * changes of the project's group tree see each other.
   */
  lockForChanges(projectId: string): Promise<void>;
  listMembers(projectId: string): Promise<(Membership & { userName: string; displayName: string })[]>;
}

/** A stored token (its id is the SHA-256 of the token text). */
export interface TokenRecord {
  id: string;
  userId: string;
  scope: TokenScope;
  iamProjectId: string | null;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** A token with its user, the user's domain and the IAM project it is scoped to. */
export interface TokenSession {
  token: TokenRecord;
  user: User;
  domain: Domain;
  iamProject: IamProject | undefined;
}

/** Tokens, stored by hash only. */
export interface TokenStore {
  insert(token: TokenRecord): Promise<void>;
  findById(id: string): Promise<TokenRecord | undefined>;
  /** The token and everything a request needs to know about its caller, in one lookup (every request does this). */
  findSession(id: string): Promise<TokenSession | undefined>;
  /** Marks a token revoked; returns false when it does not exist or already was. */
  revoke(id: string, now: number): Promise<boolean>;
  /** Revokes every live token of a user (password change, user disabled). */
  revokeAllForUser(userId: string, now: number): Promise<number>;
  /** Deletes tokens that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}

/** An access key (AK/SK pair); the secret is stored encrypted because signatures need it. */
export interface AccessKeyRecord {
  ak: string;
  userId: string;
  secretEnc: string;
  description: string;
  status: 'active' | 'disabled';
  createdAt: number;
  lastUsedAt: number | null;
}

/** Access keys. */
export interface AccessKeyStore {
  insert(key: AccessKeyRecord): Promise<void>;
  findByAk(ak: string): Promise<AccessKeyRecord | undefined>;
  listByUser(userId: string): Promise<AccessKeyRecord[]>;
  setStatus(ak: string, status: 'active' | 'disabled'): Promise<boolean>;
  delete(ak: string): Promise<boolean>;
  touch(ak: string, now: number): Promise<void>;
}

/** A job as stored: its document plus what Kiln keeps beside it. */
export interface JobRecord {
  id: string;
  projectId: string;
  name: string;
  creatorId: string;
  /** The job document (CodeArts create body) as JSON text. */
  config: string;
  disabled: boolean;
  disabledReason: string;
  webhookSecretEnc: string;
  lastBuildNumber: number;
  createdAt: number;
  updatedAt: number;
  /** Changes whenever the job's build history could read differently: a build added or finishing. */
  recordsVersion: number;
  /** The group (folder) the job is in; absent when it is in none. */
  groupId?: string;
  /** True when the job follows its own permission matrix, not its project's (ApplyProjectPermission). */
  ownPermissions?: boolean;
}

/** A job, its project and a user's role there (undefined: not a member). */
export interface JobAccessRecord {
  job: JobRecord;
  project: Project;
  role: Role | undefined;
}

/** ShowSummaryBuildJobInfo's counts. */
export interface JobsSummary {
  jobs: number;
  builds: number;
  /** Builds with an outcome (SUCCESS, FAILURE, timeout) started since the time asked, and the successes. */
  outcomes: { total: number; success: number };
  artifacts: number;
}

/** Whose recycle bin a listing shows: the deleted jobs of the projects this user can see. */
/** Whose projects a listing across projects covers (the recycle bin, ListJob). */
export interface Viewer {
  domainId: string;
  userId: string;
  /**
   * A domain administrator sees every project of the domain and is an owner of each, whatever a
   * membership row of theirs says (access.ts effectiveRole).
   */
  admin: boolean;
}

/** A job in a list across projects: its project's name and the viewer's role there. */
export interface VisibleJob extends JobRecord {
  favorite: boolean;
  projectName: string;
  role: Role;
}

/** A job in the recycle bin. */
export interface RecycledJob {
  job: JobRecord;
  deletedAt: number;
  /** Who deleted it (null for jobs deleted before the bin existed). */
  deletedBy: string | null;
}

/**
 * Jobs. Deleted jobs (the recycle bin) are invisible to every method but the bin's own
 * (`listRecycled`, `findRecycledAccess`, `restore`, `requestPurge`, `claimPurge`, `listPurgeable`,
 * `removePurged`).
 */
export interface JobStore {
  insert(job: JobRecord): Promise<void>;
  findById(id: string): Promise<JobRecord | undefined>;
  /** True when the job's status badge is on (readable without a token). */
  badgeEnabled(id: string): Promise<boolean>;
  /** Turns the job's status badge on or off. */
  setBadge(id: string, enabled: boolean, now: number): Promise<void>;
  /** The live job of a project with this name (names are unique among a project's live jobs). */
  findByName(projectId: string, name: string): Promise<JobRecord | undefined>;
  /** The job with its project and `userId`'s role in it, in one lookup (every job operation does this). */
  findAccess(id: string, userId: string): Promise<JobAccessRecord | undefined>;
  /**
   * A page of a project's live jobs the viewer may view, filtered and ordered as asked, each with
   * whether the viewer marked it a favourite.
   */
  listByProject(
    projectId: string,
    query: JobListQuery,
    viewer: Viewer,
  ): Promise<{ items: (JobRecord & { favorite: boolean })[]; total: number }>;
  /** How many live jobs (not in the recycle bin) the project has. */
  countLive(projectId: string): Promise<number>;
  /** The project's live jobs the viewer may view (a project's records read their builds). */
  viewableInProject(projectId: string, viewer: Viewer): Promise<JobRecord[]>;
  /**
   * ShowSummaryBuildJobInfo: of the live jobs the viewer may view in their domain, how many there
   * are, their builds, the outcomes of those started since `since`, and the artifacts they keep.
   */
  summaryVisible(viewer: Viewer, since: number): Promise<JobsSummary>;
  /** ListJob: the live jobs of every project the viewer sees, as listByProject filters and pages them. */
  listVisible(viewer: Viewer, query: JobListQuery): Promise<{ items: VisibleJob[]; total: number }>;
  /** Whether the user marked the job a favourite. */
  isFavourite(jobId: string, userId: string): Promise<boolean>;
  /** Marks or unmarks a job as one of a user's favourites. */
  setFavourite(jobId: string, userId: string, favourite: boolean, now: number): Promise<void>;
  /** Every live job (start-time upkeep only: nothing periodic may scan all jobs). */
  listAll(): Promise<JobRecord[]>;
  /**
   * Replaces a live job's name and document: the job as it is now, or undefined when it is not
   * live (also when a delete committed while this waited for the row). The changes a job's
   * history records (this, setDisabled, markDeleted, restore) each lock the job row on PostgreSQL
   * and say whether they changed it, so its history entry is decided in the same transaction and
   * two changes of one job at once take their version numbers one after the other.
   */
  updateConfig(id: string, name: string, config: string, now: number): Promise<JobRecord | undefined>;
  /**
   * The live job as stored now, its row locked until the transaction ends (PostgreSQL; SQLite's
   * writers take turns anyway); undefined when it is not live. A read-modify-write of the job (an
   * update completing its body from the stored document, an import) reads through this.
   */
  lockLive(id: string): Promise<JobRecord | undefined>;
  /** Replaces the (encrypted) push-webhook secret: the old one stops working at once. */
  setWebhookSecret(id: string, webhookSecretEnc: string, now: number): Promise<void>;
  /**
   * Rewrites the stored document of a job (live or deleted) when it is still `expected`, leaving
   * its name and update time alone (a rewrite that means the same, such as sealing its secrets);
   * false when it changed meanwhile.
   */
  replaceConfig(id: string, expected: string, config: string): Promise<boolean>;
  /** Disables or enables a live job: the job as it is now, or undefined when it is not live. */
  setDisabled(id: string, disabled: boolean, reason: string, now: number): Promise<JobRecord | undefined>;
  /**
   * Moves a live job to the recycle bin: the job as it was deleted, or undefined when it was not
   * live (also when another delete committed while this waited for the row).
   */
  markDeleted(id: string, by: string, now: number): Promise<JobRecord | undefined>;
  /**
   * A page of the recycle bin as `viewer` sees it, the latest deleted first: the deleted jobs they
   * may view, by the same rule as the live lists (membership, and the job's own matrix).
   */
  listRecycled(
    viewer: Viewer,
    query: { search?: string; limit: number; offset: number },
  ): Promise<{ items: RecycledJob[]; total: number }>;
  /** `findAccess` of a job in the recycle bin (not one whose purge was asked for). */
  findRecycledAccess(id: string, userId: string): Promise<(JobAccessRecord & RecycledJob) | undefined>;
  /**
   * Takes a job out of the recycle bin: the job as it is now, or undefined when it is not there
   * (also when a restore or a purge committed while this waited for the row). Fails with a unique
   * violation when a live job of its project has its name now.
   */
  restore(id: string, now: number): Promise<JobRecord | undefined>;
  /**
   * Asks for the permanent deletion of jobs in the recycle bin (they leave its listing at once);
   * how many it asked it for (not those restored, or whose purge was asked for, meanwhile).
   */
  requestPurge(ids: string[]): Promise<number>;
  /**
   * Marks a job in the recycle bin as being purged (as requestPurge, also when it was asked for
   * already), so no restore can take it back while its builds go: false when it is not in the bin
   * (restored meanwhile).
   */
  claimPurge(id: string): Promise<boolean>;
  /** Live jobs whose document may set a build retention (kiln.builds_keep_*). */
  idsWithBuildRetention(): Promise<string[]>;
  /**
   * Jobs to purge: those asked for, and those in the bin longer than their domain's retention
   * (SetKeepTime), or `defaultDays` where the domain set none.
   */
  listPurgeable(now: number, defaultDays: number, limit: number): Promise<string[]>;
  /** Removes a purged job's own rows once it has no build left; false while it has some. */
  removePurged(id: string): Promise<boolean>;
  /**
   * Takes the next build number. Run it in the transaction that inserts the build. Undefined when
   * the job is deleted (also when a delete committed while this waited) or its numbers are used up
   * (MAX_BUILD_NUMBER).
   */
  allocateBuildNumber(id: string): Promise<number | undefined>;
  /** Makes sure future numbers come after `number` (imports). */
  raiseBuildNumber(id: string, number: number): Promise<void>;
  /** Takes the next daily number of `day` (yyyyMMdd). Run it in the build's transaction. */
  allocateDailyNumber(id: string, day: string): Promise<number>;
  /** Makes sure future daily numbers of `day` come after `n` (imports). */
  raiseDailyNumber(id: string, day: string, n: number): Promise<void>;
  /**
   * Puts live jobs of the project into a group (null: into none); how many it moved (not those
   * deleted meanwhile: a job in the recycle bin does not change).
   */
  setGroup(projectId: string, ids: readonly string[], groupId: string | null): Promise<number>;
  /** Whether a live job of the project is in the group. */
  anyInGroup(groupId: string): Promise<boolean>;
  /** Whether the job follows its own permission matrix (true) or its project's (false). */
  setOwnPermissions(id: string, own: boolean): Promise<void>;
}

/** A row of a job's own permission matrix. */
export interface JobPermissionRecord {
  jobId: string;
  role: PermissionRole;
  permissions: PermissionSet;
  createdAt: number;
  updatedAt: number;
}

/** Jobs' own permission matrices (rows not stored are the project's defaults). */
export interface JobPermissionStore {
  list(jobId: string): Promise<JobPermissionRecord[]>;
  /** Sets one row (a new row's creation time is `now`). */
  put(jobId: string, role: PermissionRole, permissions: PermissionSet, now: number): Promise<void>;
}

/** A folder of jobs in a project's group tree. */
export interface JobGroup {
  id: string;
  projectId: string;
  /** null: a top-level group. */
  parentId: string | null;
  name: string;
  /**
   * Its place among its siblings, a smaller one first: a new group takes one past the last (a
   * group that leaves leaves a gap); SwitchedPacket swaps two.
   */
  ordinal: number;
  /** Its ancestors' ids and its own, dot-separated (a subtree is the paths it begins). */
  pathId: string;
  creatorId: string;
  createdAt: number;
  /** Who changed it last, and when (null until changed). */
  updaterId: string | null;
  updatedAt: number | null;
}

/** The group trees of projects. */
export interface JobGroupStore {
  insert(group: JobGroup): Promise<void>;
  /** The group `id` of the project. */
  find(projectId: string, id: string): Promise<JobGroup | undefined>;
  /** Every group of the project, by ordinal (siblings in their order). */
  listByProject(projectId: string): Promise<JobGroup[]>;
  /** The child of `parentId` (null: a top-level group) with this name. */
  findChild(projectId: string, parentId: string | null, name: string): Promise<JobGroup | undefined>;
  /** The ordinal a new child of `parentId` takes: one past the last. */
  nextOrdinal(projectId: string, parentId: string | null): Promise<number>;
  /**
   * Renames or moves a group, its descendants' paths following (`pathId` is its new path):
   * `group` holds its new fields.
   */
  update(group: JobGroup, oldPathId: string): Promise<void>;
  /** Sets the ordinals of two groups (SwitchedPacket). */
  setOrdinals(a: { id: string; ordinal: number }, b: { id: string; ordinal: number }): Promise<void>;
  /** Whether the group has a child group. */
  hasChildren(id: string): Promise<boolean>;
  /** Deletes a group without children; the binned jobs in it end in no group. */
  delete(id: string): Promise<void>;
}

/** What a change did to a job (CodeArts `update_type`). */
export type JobChange = 'CREATE' | 'UPDATE' | 'DISABLE' | 'ENABLE' | 'DELETE' | 'RESTORE';

/** A job as it stood after one change. */
export interface JobVersion {
  jobId: string;
  /** 1, 2, ... in the order of the changes. */
  number: number;
  change: JobChange;
  userId: string;
  /** The stored document after the change (secrets sealed, as the job row keeps it). */
  config: string;
  createdAt: number;
}

/** The history of jobs' changes (kept while the job exists, recycle bin included). */
export interface JobVersionStore {
  /**
   * Records a change as the job's next version. Run it in the transaction that makes the change,
   * after a write that changed the job row (JobStore.updateConfig...): on PostgreSQL two changes of
   * one job at once serialise on that row's lock. A write that changed no row took no lock, and
   * two such at once would read the same last version.
   */
  add(version: Omit<JobVersion, 'number'>): Promise<number>;
  /** A page of a job's history, the latest change first. */
  list(jobId: string, limit: number, offset: number): Promise<{ items: JobVersion[]; total: number }>;
  find(jobId: string, number: number): Promise<JobVersion | undefined>;
  /**
   * The versions whose document may hold a secret in the clear: no sealed part, and a sensitive
   * parameter or a URL with credentials in it (migration 017 copied documents an earlier Kiln had
   * not sealed yet). Few, and only on the first start after such an upgrade.
   */
  listUnsealed(): Promise<JobVersion[]>;
  /** Replaces a version's document if it is still `from`; whether it did. */
  replaceConfig(jobId: string, number: number, from: string, to: string): Promise<boolean>;
}

/** A job's builds in a time window: `from <= start_time < to`. */
export interface BuildWindow {
  jobId: string;
  from: number;
  to: number;
}

/** Several jobs' builds in a time window, read as one history (a project's records). */
export interface JobsWindow {
  jobIds: readonly string[];
  from: number;
  to: number;
}

/** The jobs whose builds the insights read, each with its branch ('' : every branch is its own). */
export interface InsightJobs {
  jobs: readonly { id: string; branch: string }[];
  from: number;
  to: number;
}

/** Where a position of a window starts: the builds below `below` (start_time), after `skip` of them. */
export interface WindowSeek {
  below: number;
  skip: number;
}

/**
 * A window's builds counted, as read at one moment: its total, and where any position lies. It
 * reads the same for as long as the job's history does (`JobRecord.recordsVersion`), so the engine
 * may keep it for that long.
 */
export interface WindowIndex {
  readonly total: number;
  /**
   * Where position `offset` (newest first) is found; positions past the end seek past it. May read
   * (once per block of days, at most 32 rows); what it read is kept with the index.
   */
  seek(offset: number): Promise<WindowSeek>;
}

/**
 * Builds of a records page: records as the store keeps them (`RecordRenderer.render`; one text may
 * hold several, joined by commas as in a JSON array), or a build itself when it has none of the
 * current format.
 */
export type RecordEntry = string | Build;

/** Summary of a job's latest build, for job lists. */
export interface LastBuildSummary {
  build: Build;
  healthScore: number;
}

/** A build together with what only the engine and runners look at. */
export interface BuildRun {
  build: Build;
  /** The build's plan as JSON (null for imported builds). */
  plan: string | null;
  runnerId: string | null;
  leaseExpiresAt: number | null;
  cancelRequested: boolean;
  logSize: number;
}

/** A build's commit as its job's history shows it beside the commit id. */
export interface CommitShown {
  message: string;
  author: string;
}

/** What checkout found. */
export interface CheckoutResult {
  commitId: string;
  commitTime: number | null;
  commitMessage: string;
  /** The commit's author's name (absent from runners older than the field). */
  commitAuthor?: string;
  /** Replaces the build's branch when it had none (the remote's default branch was built). */
  branch: string;
  /** Replaces the build's parameters (a code-based build's, with those its build.yml gave). */
  parameters?: BuildParameter[];
}

/** Where a build was in the queue: its `seq` (lower goes first) and what it needs of a runner. */
export interface QueuePlace {
  seq: number;
  needs: RunnerPlace;
}

/** A claim taken back: the build's place in the queue (none for claims older than migration 029). */
export interface Unclaimed {
  place: QueuePlace | undefined;
  /** Claims of the build whose runner went silent before it started, this one included. */
  lostClaims: number;
  /** Someone asked to stop the build while it was claimed (the request no runner will now hear). */
  cancelRequested: boolean;
}

/** How a build ended. */
export interface BuildOutcome {
  state: BuildState;
  finishedAt: number;
  buildTime: number;
  costTime: number;
}

/** Builds (the history): inserts keep the per-day counts the window queries seek by. */
/** What a job's build retention keeps, for the store's search (see BuildStore.expiredIds). */
export interface BuildRetentionRule {
  startedBefore?: number;
  keepLast?: number;
}

export interface BuildStore {
  /**
   * Inserts a build; `plan` is the JSON of what it runs (triggered builds). Two statements (the
   * build, its day's count): run it in a transaction, so readers see both or neither.
   */
  insert(build: Build, plan?: string): Promise<void>;
  /** Inserts many finished builds at once (imports; in a transaction, as `insert`); no number may exist yet. */
  insertMany(builds: Build[]): Promise<void>;
  findByNumber(jobId: string, number: number): Promise<Build | undefined>;
  /**
   * Up to `limit` record ids of a job's finished builds, any order (purges work through them in
   * batches; a build still running is left to end first).
   */
  someFinishedIdsOfJob(jobId: string, limit: number): Promise<string[]>;
  /**
   * Up to `limit` record ids of a job's builds its retention lets go, oldest first: finished,
   * started before `rule.startedBefore` (when set), not among the newest `rule.keepLast` (when
   * set), and never the newest build nor the last successful one. None for a job in the bin.
   * A BuildFlow goes whole: its jobs' builds never alone, and with it once they all qualify too
   * (`limit` counts the flows, so a batch may hold more ids).
   */
  expiredIds(jobId: string, rule: BuildRetentionRule, limit: number): Promise<string[]>;
  /**
   * Deletes builds with everything that hangs off them (steps, logs, scripts, artifact rows, flow
   * rows, queue entries), keeping the jobs' build counts and records versions exact. The caller
   * deletes their artifacts' bytes. Returns how many went.
   */
  deleteMany(recordIds: string[]): Promise<number>;
  findByRecordId(recordId: string): Promise<Build | undefined>;
  /** Which of `numbers` the job already has. */
  existingNumbers(jobId: string, numbers: number[]): Promise<Set<number>>;
  /** The commit messages of these builds of the job (those that have the build). */
  commitMessages(jobId: string, numbers: number[]): Promise<Map<number, CommitShown>>;
  /** The outcome of the job's latest build numbered below `number` that ended SUCCESS, FAILURE or timeout. */
  previousOutcome(jobId: string, number: number): Promise<BuildState | undefined>;
  /** The job's newest build of a branch (its status badge's build). */
  latestOnBranch(jobId: string, branch: string): Promise<Build | undefined>;
  /** How many builds lie in the window; cost grows with builds per day, not with history. */
  countInWindow(window: BuildWindow | JobsWindow): Promise<number>;
  /** Positions `offset .. offset+limit-1` of the window, newest first (start_time, then number). */
  pageInWindow(window: BuildWindow, offset: number, limit: number): Promise<Build[]>;
  /**
   * Positions `offset .. offset+limit-1` of several jobs' builds in the window, newest first (start
   * time, number, id), found with the window's index; cost grows with the builds of the page's
   * days, not with the history.
   */
  jobsPage(window: JobsWindow, index: WindowIndex, offset: number, limit: number): Promise<Build[]>;
  /**
   * The builds of the window that match `filter`, newest first, `limit` from `offset`, and how
   * many match (one statement each; cost grows with the builds of the window, not its days).
   */
  filteredPage(
    window: BuildWindow | JobsWindow,
    filter: RecordFilter,
    offset: number,
    limit: number,
  ): Promise<{ builds: Build[]; total: number }>;
  /**
   * What the insights read of the jobs' builds started in the window (the latest `limit`, in any
   * order), and how many the window holds.
   */
  insightRows(window: InsightJobs, limit: number): Promise<{ builds: InsightColumns; total: number }>;
  /**
   * The steps that ran and ended in the latest `limit` builds of the jobs started in the window:
   * each one's job (an index into `window.jobs`), name and duration.
   */
  stageTimes(window: InsightJobs, limit: number): Promise<StageTime[]>;
  /** Names of the branches the job's builds checked out, sorted, at most `limit`. */
  branchesOf(jobId: string, limit: number): Promise<string[]>;
  /** The window counted per day, in one statement whatever its length (cost grows with its days). */
  indexWindow(window: BuildWindow | JobsWindow): Promise<WindowIndex>;
  /** `limit` builds of the window from `at` (found by `indexWindow`), newest first, in one statement. */
  pageAt(window: BuildWindow, at: WindowSeek, limit: number): Promise<Build[]>;
  /**
   * The builds of `pageAt`, newest first, finished ones as their stored records when the store
   * keeps them (its `RecordRenderer`; neighbours joined into one text): one statement, and a second
   * for the builds without one (unfinished, or finished before records were kept), if any.
   */
  recordsAt(window: BuildWindow, at: WindowSeek, limit: number): Promise<RecordEntry[]>;
  /** States of the latest builds that count for health (SUCCESS, FAILURE, timeout), newest first. */
  latestCountedStates(jobId: string, limit: number): Promise<BuildState[]>;
  /** The build with the highest number, if any. */
  latest(jobId: string): Promise<Build | undefined>;
  /** The job's latest build that ended SUCCESS, if any. */
  lastSuccessful(jobId: string): Promise<Build | undefined>;
  /**
   * Builds started in the window that finished with an outcome of the code (SUCCESS, FAILURE,
   * timeout: ABORTED ones are left out, as the health score leaves them out), and those of them
   * that succeeded.
   */
  outcomeCounts(window: BuildWindow, branch?: string): Promise<{ total: number; success: number }>;
  /** The build times (ms) of the window's finished builds (of `branch` when given): how many, mean, longest, shortest. */
  buildTimeStats(
    window: BuildWindow,
    branch?: string,
  ): Promise<{ count: number; average: number; max: number; min: number }>;
  /** Unfinished builds of all jobs: waiting for a runner, claimed and not started, running. */
  activeCounts(): Promise<ActiveCounts>;
  /** Unfinished builds of one job, oldest first. */
  listActive(jobId: string): Promise<Build[]>;
  findRun(recordId: string): Promise<BuildRun | undefined>;
  /** The stored plans of unfinished builds (queued or running). */
  listUnfinishedPlans(): Promise<{ recordId: string; plan: string }[]>;
  /** Unfinished builds (queued or running), the oldest first, with the runner holding each. */
  listUnfinished(limit: number): Promise<{ build: Build; runnerId: string | null }[]>;
  /** Rewrites a build's stored plan when it is still `expected`; false when it changed meanwhile. */
  replacePlan(recordId: string, expected: string, plan: string): Promise<boolean>;
  /**
   * Gives a queued build to a runner, keeping the `place` its claim took off the queue (for
   * `unclaim`); false when it is no longer waiting.
   */
  claim(
    recordId: string,
    runnerId: string,
    leaseUntil: number,
    now: number,
    place?: QueuePlace,
  ): Promise<boolean>;
  /**
   * Takes a claim back before the build started (it goes back to the queue, or ends, in the same
   * transaction): undefined unless `runnerId` holds the build, not yet started, and (the lease
   * sweep: `lost.expiredBefore`) its lease ran out before then. A `lost` claim (the lease ran out,
   * the server stopped) counts towards the build's lost claims; a released one does not.
   * One statement: a renewal, a start or another server that got there first wins.
   */
  unclaim(
    recordId: string,
    runnerId: string,
    lost?: { expiredBefore?: number },
  ): Promise<Unclaimed | undefined>;
  /**
   * Lets a running build go from its runner without finishing it (a BuildFlow, whose jobs are
   * builds of their own, runs on no runner); false when `runnerId` does not hold it.
   */
  detach(recordId: string, runnerId: string): Promise<boolean>;
  /**
   * Records the checkout and marks the build Running; false unless `runnerId` holds it and it has
   * not started yet (a started build's checkout is never rewritten).
   */
  markRunning(recordId: string, runnerId: string, checkout: CheckoutResult): Promise<boolean>;
  /** Extends the runner's lease; says whether it still holds the build and whether a stop was asked. */
  renewLease(recordId: string, runnerId: string, until: number): Promise<{ held: boolean; cancel: boolean }>;
  /** Asks the runner holding the build to stop it; false when the build is finished. */
  requestCancel(recordId: string): Promise<boolean>;
  /**
   * Finishes a build once: false when it already was finished, or (with `runnerId`) when that
   * runner no longer holds it, or (with `expiredBefore`, the lease sweep) when its lease no longer
   * ran out before then. One statement: a renewal or another server's sweep that got there first wins.
   */
  finish(
    recordId: string,
    outcome: BuildOutcome,
    runnerId?: string,
    expiredBefore?: number,
  ): Promise<boolean>;
  /** Unfinished builds held by a runner whose lease ran out before `now`. */
  listExpired(now: number, limit: number): Promise<{ recordId: string; runnerId: string }[]>;
  /** Unfinished builds a runner holds. */
  listHeldBy(runnerId: string): Promise<string[]>;
}

/** The steps of each build. */
export interface StepStore {
  insertMany(recordId: string, steps: BuildStep[]): Promise<void>;
  list(recordId: string): Promise<BuildStep[]>;
  update(recordId: string, index: number, changes: StepChanges): Promise<void>;
  /** Steps still marked running get `status` (a build that ended mid-step). */
  closeRunning(recordId: string, status: StepStatus, now: number): Promise<void>;
}

/** What a step report changes of a step. */
export interface StepChanges {
  status?: StepStatus;
  startedAt?: number;
  finishedAt?: number;
  logStart?: number;
  logEnd?: number;
  tests?: TestCounts;
  coverage?: Coverage;
}

/** A kept test case, with the step whose reports held it. */
export interface StoredTestCase extends TestCase {
  stepIndex: number;
}

/** A build's test counts (its steps' summed), for a job's test trend. */
export interface TestTrendPoint {
  recordId: string;
  buildNumber: number;
  state: BuildState;
  startTime: number;
  counts: TestCounts;
  /** Lines covered of the steps that had coverage. */
  coverage?: { linesCovered: number; linesTotal: number };
}

/** The test cases kept of builds' JUnit reports (migration 021). */
export interface TestCaseStore {
  /** Stores the step's cases in place of any it had (a step end sent twice keeps one set). */
  replace(recordId: string, stepIndex: number, cases: TestCase[]): Promise<void>;
  /**
   * A page of the build's cases, by step and in the order kept (those that did not pass first),
   * with how many match the filter (`total`) and how many were kept in all.
   */
  list(
    recordId: string,
    filter: { status?: TestStatus; offset: number; limit: number },
  ): Promise<{ cases: StoredTestCase[]; total: number; kept: number }>;
  /** The builds with test reports among the job's latest `window` build numbers, newest first. */
  trend(jobId: string, window: number): Promise<TestTrendPoint[]>;
}

/** The build.yml of code-based builds (absent for graphical builds). */
export interface BuildScriptStore {
  /** Stores or replaces the build's script. */
  put(recordId: string, script: BuildScript): Promise<void>;
  find(recordId: string): Promise<BuildScript | undefined>;
}

/** The artifacts of builds (their bytes are in an ArtifactBlobStore, under each one's id). */
export interface ArtifactStore {
  /**
   * Keeps an artifact, replacing the build's artifact of the same name; returns the id of the one
   * it replaced (whose bytes the caller deletes), if any.
   */
  put(artifact: Artifact): Promise<string | undefined>;
  find(recordId: string, name: string): Promise<Artifact | undefined>;
  /** A build's artifacts, by name. */
  listByBuild(recordId: string): Promise<Artifact[]>;
  /** Of `ids`, those a row names (the rest are bytes a crash left behind). */
  known(ids: string[]): Promise<Set<string>>;
  /** Forgets the artifacts of these builds; returns their ids (whose bytes the caller deletes). */
  deleteByBuilds(recordIds: string[]): Promise<string[]>;
  /**
   * Builds of the job that have artifacts, newest first, with what retention needs: the build's
   * number, state and when it finished.
   */
  buildsWithArtifacts(jobId: string): Promise<BuildWithArtifacts[]>;
  /** Jobs with artifacts kept (for the retention sweep). */
  jobsWithArtifacts(): Promise<string[]>;
}

/**
 * Where artifact bytes live: the local filesystem (one server) or S3-compatible object storage
 * (several servers). An upload arrives in parts, possibly over several requests (a runner resumes
 * where the store's part ends), and becomes a blob under a key when whole. Keys are opaque.
 */
export interface ArtifactBlobStore {
  /** Bytes held of the unfinished upload `uploadId` (0 when none). */
  partSize(uploadId: string): Promise<number>;
  /**
   * Appends `body` to the upload, which must hold exactly `offset` bytes; throws
   * ArtifactTooLargeError past `limit` bytes in all (what it wrote stays), and stops with an
   * AbortError when `signal` is aborted. Returns the part's size.
   */
  appendPart(
    uploadId: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    limit: number,
    signal?: AbortSignal,
  ): Promise<number>;
  /** Makes the whole upload the blob `key`: its size and sha256. */
  commitPart(uploadId: string, key: string): Promise<{ size: number; sha256: string }>;
  /**
   * A URL that takes a PUT of the blob `key` (`size` bytes) straight into the store for `seconds`,
   * and the headers to send with it; undefined when one PUT cannot take that many bytes, and
   * absent from stores that cannot at all (the filesystem).
   */
  directUpload?(
    key: string,
    size: number,
    seconds: number,
  ): Promise<{ url: string; headers: Record<string, string> } | undefined>;
  /** A URL that answers a GET of the blob `key` for `seconds`; absent from stores that cannot. */
  directDownload?(key: string, seconds: number): Promise<string>;
  /** The size of the blob `key`; undefined when the store holds none. */
  blobSize(key: string): Promise<number | undefined>;
  /** Forgets an unfinished upload (no error when there is none). */
  discardPart(uploadId: string): Promise<void>;
  /** Forgets every unfinished upload whose id starts with `prefix`; returns how many. */
  discardParts(prefix: string): Promise<number>;
  /** The blob's bytes, or those of `range`. */
  read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>;
  /** Deletes blobs (no error for keys that are gone). */
  delete(keys: string[]): Promise<void>;
  /** Every blob's key, with when it was stored. */
  listBlobs(): AsyncIterable<{ key: string; storedAt: number }>;
  /** Forgets unfinished uploads last written before `before`; returns how many. */
  dropStaleParts(before: number): Promise<number>;
}

/** A job of a BuildFlow as kept: its build (the child record) and what it depends on. */
export interface FlowJobRecord {
  childId: string;
  position: number;
  name: string;
  dependsOn: string[];
  buildRef: string;
  /** Handed to the queue by the flow. */
  started: boolean;
}

/** A job of a flow with its build's state. */
export interface FlowJobProgress extends FlowJobRecord {
  strategy: FlowStrategy;
  /**
   * The job's build is gone (deleted while the flow ran), and with it the job's row: only its
   * position is known (childId '', a made-up name), and no outcome.
   */
  missing: boolean;
  runningStatus: string;
  state: string;
  cancelRequested: boolean;
}

/** BuildFlows: a parent build and the builds of its jobs. */
export interface FlowStore {
  create(parentId: string, strategy: FlowStrategy, jobs: FlowJobRecord[]): Promise<void>;
  find(parentId: string): Promise<{ strategy: FlowStrategy; jobs: FlowJobRecord[] } | undefined>;
  /**
   * The flow's jobs with where their builds are, in one statement (what moving the flow on needs),
   * a job whose build is gone among them (`missing`).
   */
  progress(parentId: string): Promise<FlowJobProgress[] | undefined>;
  /** The flow a build is a job of, if any. */
  parentOf(childId: string): Promise<string | undefined>;
  /** Marks a job handed to the queue; false when it already was (another server did it). */
  markStarted(childId: string): Promise<boolean>;
  /** Flows whose parent build has not finished, at most `limit`, by parent id after `after`. */
  listOpen(limit: number, after?: string): Promise<string[]>;
}

/** What happened to an appended log chunk. */
export type AppendOutcome = 'appended' | 'duplicate' | 'gap';

/** Build logs: bytes in order, stored in chunks. */
export interface LogStore {
  /**
   * Appends `data` at byte `offset`. Appended when `offset` is the log's size; a chunk that lies
   * wholly inside what is stored is a resend (duplicate, nothing written); anything else is a gap.
   * Returns the log's size after the call.
   */
  append(
    recordId: string,
    offset: number,
    data: Uint8Array,
  ): Promise<{ outcome: AppendOutcome; size: number }>;
  /** Appends at the end, whatever the size (lines the server itself writes). */
  appendAtEnd(recordId: string, data: Uint8Array): Promise<number>;
  size(recordId: string): Promise<number>;
  /** Up to `length` bytes from `offset`. */
  read(recordId: string, offset: number, length: number): Promise<Uint8Array>;
}

/** The queue of builds waiting for a runner: in trigger order within a project, fair between projects. */
export interface QueueStore {
  /**
   * Queues a build of the job (the queue row records the job's project), with what it needs of a
   * runner when a runner handed it back (env.resource).
   */
  enqueue(recordId: string, jobId: string, now: number, needs?: RunnerPlace): Promise<void>;
  /**
   * Takes the next build off the queue (with its place, `seq`): the oldest waiting build of the
   * project with the fewest builds held by runners, between equals the project whose last claim
   * is longest ago, then the older build. Call it inside the transaction that claims the build
   * (so the claim counts as running): concurrent callers never get the same build. Its cost grows
   * with the projects that have builds waiting, not with the length of the queue. Only builds
   * whose needs a runner at `place` meets are taken (no place: only builds that need nothing).
   */
  takeNext(place?: RunnerPlace): Promise<({ recordId: string } & QueuePlace) | undefined>;
  /** Puts a build back at the place it had (a claim that could not be delivered). */
  restore(recordId: string, jobId: string, seq: number, now: number, needs?: RunnerPlace): Promise<void>;
  /** Removes a build from the queue; false when it was not queued. */
  remove(recordId: string): Promise<boolean>;
  /** Of these builds, those waiting in the queue: their place (`seq`, lower goes first) and needs. */
  waiting(recordIds: string[]): Promise<Map<string, { seq: number; needs: RunnerPlace }>>;
}

/** A timer trigger's schedule: the last due time it fired for, and the next one (null: never). */
export interface ScheduleEntry {
  jobId: string;
  key: string;
  lastDue: number;
  nextDue: number | null;
}

/**
 * The schedules of live jobs' timer triggers, kept by the engine when a job is saved or deleted
 * and after each firing. `listDue` reads through an index on the next due time, so a tick costs
 * the same however many jobs there are.
 */
export interface ScheduleStore {
  /** Schedules whose next due time is at or before `now`, soonest first, at most `limit`. */
  listDue(now: number, limit: number): Promise<ScheduleEntry[]>;
  /** The job's schedules, by key (what a look at when it next builds reads). */
  listOfJob(jobId: string): Promise<ScheduleEntry[]>;
  /**
   * Starts keeping a schedule, its next due time computed in `timeZone`; false when it is kept
   * already (its marks stay as they are).
   */
  track(entry: ScheduleEntry, timeZone: string): Promise<boolean>;
  /** Marks the schedules of unknown time zone (kept before zones were) as of `timeZone`. */
  adoptUnzoned(timeZone: string): Promise<void>;
  /**
   * Schedules whose next due time was computed in another time zone than `timeZone`, by job and
   * key, after `after` (a page of at most `limit`).
   */
  listOtherZone(
    timeZone: string,
    after: { jobId: string; key: string } | undefined,
    limit: number,
  ): Promise<ScheduleEntry[]>;
  /**
   * Sets the next due time computed in `timeZone`, unless the schedule fired since it was read
   * (its `lastDue` moved from `lastDue`); false then.
   */
  rezone(
    jobId: string,
    key: string,
    lastDue: number,
    timeZone: string,
    nextDue: number | null,
  ): Promise<boolean>;
  /** Forgets the job's schedules whose key is not in `keys` (all of them when empty). */
  retain(jobId: string, keys: string[]): Promise<void>;
  /** Forgets one schedule. */
  remove(jobId: string, key: string): Promise<void>;
  /**
   * Moves `lastDue` from `from` to `to` and sets `nextDue`; false when someone else moved it (it
   * fired elsewhere). A compare-and-set: across servers a due time is taken once.
   */
  advance(jobId: string, key: string, from: number, to: number, nextDue: number | null): Promise<boolean>;
}

/**
 * Push-webhook deliveries that started a build, by job and key (a digest of the host's delivery id
 * or of a signed body), so that a replay builds nothing on any server. Call `remember` in the
 * transaction that creates the build: concurrent transactions with one key cannot both succeed.
 */
export interface WebhookDeliveryStore {
  /** Records the key; false when the job already has it (the delivery was seen). */
  remember(jobId: string, key: string, now: number): Promise<boolean>;
  /** Forgets keys recorded before `before`; returns how many. */
  deleteBefore(before: number): Promise<number>;
  /**
   * Records what came of a delivery, keeping only the job's newest `keep.authenticated` receipts
   * of deliveries that were not refused as unauthenticated and, apart from them, its newest
   * `keep.unauthenticated` of those that were (refused as UNAUTHENTICATED, or with no sender): whoever knows a job's
   * webhook URL can send unsigned deliveries, and they never push a real one out of the list.
   */
  record(receipt: WebhookReceipt, keep: { authenticated: number; unauthenticated: number }): Promise<void>;
  /** A job's latest receipts, newest first. */
  recent(jobId: string, limit: number): Promise<WebhookReceipt[]>;
}

/** A push delivery a job received, and what came of it. */
export interface WebhookReceipt {
  id: string;
  jobId: string;
  receivedAt: number;
  /** github, gitlab, gitea, gitee, codearts (CodeArts Repo); '' when no host's event header came. */
  sender: string;
  event: string;
  /** The host's delivery id ('' without one). */
  delivery: string;
  outcome: 'started' | 'ignored' | 'refused';
  /** The error-catalogue code of a refusal ('' otherwise). */
  error: string;
  /** Why it was ignored or refused ('' when it started a build). */
  reason: string;
  buildNumber: number | null;
}

/** A registered remote runner (its token is stored as a hash). */
export interface RunnerRecord {
  id: string;
  name: string;
  tokenHash: string;
  createdAt: number;
  lastSeenAt: number | null;
  disabled: boolean;
}

/** The tools a runner (remote `remote:<id>`, or a server's own `local:<name>`) last announced. */
export interface RunnerToolsRecord {
  runnerId: string;
  host: string;
  tools: Record<string, string>;
  /** Where the runner is (builds are routed by it); null when it did not say. */
  arch?: string | null;
  pool?: string | null;
  reportedAt: number;
}

/** Remote runners, and what every runner announced of its tools. */
export interface RunnerStore {
  insert(runner: RunnerRecord): Promise<void>;
  findById(id: string): Promise<RunnerRecord | undefined>;
  findByTokenHash(hash: string): Promise<RunnerRecord | undefined>;
  list(): Promise<RunnerRecord[]>;
  setDisabled(id: string, disabled: boolean): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  touch(id: string, now: number): Promise<void>;
  /** Keeps a runner's announcement, replacing its last one. */
  putTools(record: RunnerToolsRecord): Promise<void>;
  /** Every announcement kept, by runner id. */
  listTools(): Promise<RunnerToolsRecord[]>;
  /** Forgets a runner's announcement (a removed runner). */
  deleteTools(runnerId: string): Promise<void>;
}

/**
 * Events between servers that share a database (a build queued, a stop asked, log bytes added).
 * PostgreSQL carries them with LISTEN/NOTIFY; the embedded store has one server and delivers
 * nothing. Delivery is best effort: listeners also poll, so a lost event only delays.
 */
export interface Notifier {
  publish(topic: string, payload: string): Promise<void>;
  /** Starts delivering events; returns a function that stops. */
  subscribe(handler: (topic: string, payload: string) => void): Promise<() => Promise<void>>;
}

/** Everything a use case can touch, bound to one connection or transaction. */
/** A job's settings of one notice channel (domain/notices.ts), its param_config sealed. */
export interface NoticeSettingRecord extends NoticeSetting {
  jobId: string;
  paramConfigEnc: string | null;
  updatedAt: number;
}

/** Where a notification is: waiting for (another) attempt, delivered, or given up. */
export type NotificationState = 'pending' | 'delivered' | 'failed';

/** A notification in the outbox. */
export interface NotificationRecord {
  id: string;
  jobId: string;
  channel: SentType;
  event: NoticeEvent;
  /** NoticePayload as JSON. */
  payload: string;
  state: NotificationState;
  /** Attempts started (a claim counts one). */
  attempts: number;
  createdAt: number;
  /** When the next attempt is due (pending ones). */
  nextAt: number;
  endedAt: number | null;
  lastError: string;
}

/** One attempt to deliver a notification. */
export interface NotificationAttempt {
  notificationId: string;
  attempt: number;
  at: number;
  ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  statusCode: number | null;
  /** Why it failed ('' when it did not). */
  error: string;
  durationMs: number;
  /** The server that made it. */
  server: string;
}

/** A notification in a user's Kiln inbox (the MESSAGE channel). */
export interface InboxMessage {
  id: string;
  userId: string;
  jobId: string;
  event: NoticeEvent;
  payload: string;
  createdAt: number;
  readAt: number | null;
}

/** Notice settings, the outbox, delivery attempts, the inbox and job watchers (migration 026). */
export interface NoticeStore {
  /** The job's channel settings that were ever set. */
  settings(jobId: string): Promise<NoticeSettingRecord[]>;
  /** Sets one channel's settings. */
  putSetting(setting: NoticeSettingRecord): Promise<void>;
  /** Users who asked to hear of the job. */
  watchers(jobId: string): Promise<string[]>;
  isWatching(jobId: string, userId: string): Promise<boolean>;
  setWatching(jobId: string, userId: string, watching: boolean, now: number): Promise<void>;
  /** The mail addresses of those of these users who gave one. */
  emails(userIds: readonly string[]): Promise<Map<string, string>>;
  /** Sets (or, with null, forgets) where the user's notification mail goes. */
  setEmail(userId: string, email: string | null, now: number): Promise<void>;
  /** Puts notifications in the outbox (run it in the transaction of their event). */
  enqueue(notifications: NotificationRecord[]): Promise<void>;
  /** Puts messages in users' inboxes (run it in the transaction of their event). */
  addToInbox(messages: InboxMessage[]): Promise<void>;
  /**
   * Claims up to `limit` notifications due at `now` for `server` until `leaseUntil`, counting an
   * attempt on each: one statement, and on PostgreSQL rows another server is claiming are
   * skipped, so each is claimed by one server. A claim that ran out (its server died) is due again.
   */
  claimDue(now: number, server: string, leaseUntil: number, limit: number): Promise<NotificationRecord[]>;
  /** Lets go of `server`'s claims (it restarted: the attempts it had under way died with it); returns how many. */
  releaseClaims(server: string): Promise<number>;
  /**
   * Records an attempt and where it left the notification (`pending` with its next time, or
   * ended), releasing the claim; false (nothing written) when `server` no longer holds it. Two
   * statements: run it in a transaction.
   */
  recordAttempt(
    attempt: NotificationAttempt,
    next: { state: NotificationState; nextAt: number; lastError: string },
  ): Promise<boolean>;
  /** A page of the job's notifications, the newest first, with how many there are. */
  listByJob(
    jobId: string,
    limit: number,
    offset: number,
  ): Promise<{ items: NotificationRecord[]; total: number }>;
  /** The attempts of these notifications, oldest first. */
  attempts(notificationIds: readonly string[]): Promise<NotificationAttempt[]>;
  /**
   * A page of the viewer's inbox, the newest first, with how many there are and how many are
   * unread: only messages of jobs the viewer may view (live or in the recycle bin); the others are
   * kept, hidden, and shown again if the viewer may view their job again.
   */
  inbox(
    viewer: Viewer,
    page: { unreadOnly: boolean; limit: number; offset: number },
  ): Promise<{ items: InboxMessage[]; total: number; unread: number }>;
  /** Marks the viewer's messages read (all `inbox` shows when `ids` is undefined); returns how many changed. */
  markRead(viewer: Viewer, ids: readonly string[] | undefined, now: number): Promise<number>;
  /** Deletes notifications that ended before `before`, with their attempts; returns how many. */
  purgeEnded(before: number): Promise<number>;
  /** Deletes inbox messages written before `before`; returns how many. */
  purgeInbox(before: number): Promise<number>;
}

/** A file of the file manager with the rights a user was given to it (undefined: none given). */
export interface KeystoreWithGrant {
  file: Keystore;
  granted: KeystoreRights | undefined;
}

/** The file manager (migration 027). Bytes are stored sealed; the store never sees them open. */
export interface KeystoreStore {
  insert(file: Keystore, sealed: Uint8Array): Promise<void>;
  find(domainId: string, id: string): Promise<Keystore | undefined>;
  findByName(domainId: string, name: string): Promise<Keystore | undefined>;
  /** The sealed bytes of a file. */
  content(id: string): Promise<Uint8Array | undefined>;
  /**
   * A page of the domain's files by name (`search`: part of the name), each with the rights given
   * to `userId`, and how many match.
   */
  list(
    domainId: string,
    userId: string,
    page: { search?: string; offset: number; limit: number },
  ): Promise<{ items: KeystoreWithGrant[]; total: number }>;
  /** Changes a file's name, description and sharing, and (with `sealed`) its bytes. */
  update(
    id: string,
    changes: { name: string; description: string; share: number },
    content: { sealed: Uint8Array; size: number; sha256: string } | undefined,
    updaterId: string,
    now: number,
  ): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** The rights given to users (the creator's are not rows). */
  permissions(keystoreId: string): Promise<KeystorePermission[]>;
  permission(id: string): Promise<KeystorePermission | undefined>;
  granted(keystoreId: string, userId: string): Promise<KeystoreRights | undefined>;
  /**
   * Gives a user rights (replacing those they had) in one statement; the id of the row kept, which
   * is the earlier row's (and keeps its created_at) when the user had one, so two servers giving
   * rights at once answer the same id. Throws ForeignKeyViolationError when the file (or user) is gone.
   */
  putPermission(permission: KeystorePermission): Promise<string>;
  /**
   * Changes the rights of the row `id` only while it is there: never inserts, so rights taken
   * away meanwhile stay away (false then).
   */
  updatePermission(
    id: string,
    rights: Omit<KeystoreRights, 'setting'> & { canAbsent: boolean },
  ): Promise<boolean>;
  deletePermission(id: string): Promise<boolean>;
  /** Records a read of a file. */
  recordAccess(access: {
    keystoreId: string;
    at: number;
    userId: string;
    how: string;
    recordId: string | null;
  }): Promise<void>;
}

/** A domain's own build template. */
export interface TemplateRecord {
  uuid: string;
  domainId: string;
  name: string;
  description: string;
  toolType: string;
  /** The steps and parameters as JSON (the CodeArts job document's). */
  steps: string;
  parameters: string;
  creatorId: string;
  createdAt: number;
}

/** Build templates, favourites and uses (migration 028). */
export interface TemplateStore {
  insert(template: TemplateRecord): Promise<void>;
  find(domainId: string, uuid: string): Promise<TemplateRecord | undefined>;
  /** A page of the domain's templates by name (`name`: part of it), with how many match. */
  list(
    domainId: string,
    page: { name?: string; offset: number; limit: number },
  ): Promise<{ items: TemplateRecord[]; total: number }>;
  delete(uuid: string): Promise<boolean>;
  /** Which of these templates the user marked a favourite. */
  favourites(userId: string, uuids: readonly string[]): Promise<Set<string>>;
  setFavourite(userId: string, uuid: string, favourite: boolean, now: number): Promise<void>;
  /** Records (or replaces) the template a job was started from. */
  recordUse(use: {
    jobId: string;
    templateUuid: string;
    domainId: string;
    userId: string;
    at: number;
  }): Promise<void>;
  /** How many jobs of the domain were started from each template. */
  useCounts(domainId: string): Promise<Map<string, number>>;
}

export interface Stores {
  domains: DomainStore;
  users: UserStore;
  iamProjects: IamProjectStore;
  projects: ProjectStore;
  tokens: TokenStore;
  accessKeys: AccessKeyStore;
  jobs: JobStore;
  jobGroups: JobGroupStore;
  jobPermissions: JobPermissionStore;
  jobVersions: JobVersionStore;
  builds: BuildStore;
  steps: StepStore;
  scripts: BuildScriptStore;
  testCases: TestCaseStore;
  artifacts: ArtifactStore;
  flows: FlowStore;
  logs: LogStore;
  queue: QueueStore;
  schedules: ScheduleStore;
  runners: RunnerStore;
  webhookDeliveries: WebhookDeliveryStore;
  notices: NoticeStore;
  keystores: KeystoreStore;
  templates: TemplateStore;
  loginThrottles: LoginThrottleStore;
  usedSignatures: UsedSignatureStore;
  serverSettings: ServerSettingStore;
}

/**
 * A storage engine. `transaction` runs `fn` with stores bound to one transaction: all of its
 * writes commit together or none do. On SQLite transactions are serialised; on PostgreSQL they
 * run at READ COMMITTED and rely on row locks taken by the statements themselves.
 */
export interface Storage extends Stores {
  readonly dialect: SqlDialectName;
  readonly notifier: Notifier;
  /**
   * Runs `fn` in one transaction. A transaction the database gives up because of another (a
   * deadlock) runs again, whole: keep side effects (events, bytes, caches) out of `fn`.
   */
  transaction<T>(fn: (tx: Stores) => Promise<T>): Promise<T>;
  /** Resolves when the store answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
