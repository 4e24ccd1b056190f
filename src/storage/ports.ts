import type { Build, BuildState } from '../domain/build.ts';
import type { Domain, IamProject, Membership, Project, TokenScope, User } from '../domain/identity.ts';
import type { Role } from '../domain/roles.ts';
import type { SqlDialectName } from './sql/dialect.ts';

/**
 * The storage ports: one small interface per aggregate. Every method is one atomic statement
 * unless it says otherwise; several calls are made atomic by running them inside
 * `Storage.transaction`. Rules shared by all ports:
 * - Lookups return `undefined` for "not there"; they never throw for it.
 * - A write refused by a unique constraint throws `UniqueViolationError` (storage/errors.ts).
 * - A store that cannot be reached throws `AppError('STORE_UNAVAILABLE')`; nothing is half-written.
 * - Times are epoch ms; the caller passes `now` so that tests control the clock.
 */

/** Domains (tenants). */
export interface DomainStore {
  insert(domain: Domain): Promise<void>;
  findById(id: string): Promise<Domain | undefined>;
  findByName(name: string): Promise<Domain | undefined>;
  list(): Promise<Domain[]>;
}

/** A user together with what only sign-in may look at. */
export interface UserCredentials {
  user: User;
  passwordHash: string;
  failedLogins: number;
  lockedUntil: number;
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
  /** Stores the sign-in failure count and the time before which sign-in is refused. */
  setLoginFailures(id: string, failedLogins: number, lockedUntil: number): Promise<void>;
}

/** IAM projects (what a project-scoped token names). */
export interface IamProjectStore {
  insert(project: IamProject): Promise<void>;
  findById(id: string): Promise<IamProject | undefined>;
  findByName(domainId: string, name: string): Promise<IamProject | undefined>;
}

/** A project with the caller's role in it (undefined role: a domain admin who is not a member). */
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

/** Tokens, stored by hash only. */
export interface TokenStore {
  insert(token: TokenRecord): Promise<void>;
  findById(id: string): Promise<TokenRecord | undefined>;
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
}

/** Jobs (deleted jobs are invisible to every method). */
export interface JobStore {
  insert(job: JobRecord): Promise<void>;
  findById(id: string): Promise<JobRecord | undefined>;
  listByProject(
    projectId: string,
    page: { offset: number; limit: number; search?: string },
  ): Promise<{ items: JobRecord[]; total: number }>;
  /** Every live job with a non-empty schedule or push trigger is found by scanning this. */
  listAll(): Promise<JobRecord[]>;
  updateConfig(id: string, name: string, config: string, now: number): Promise<void>;
  setDisabled(id: string, disabled: boolean, reason: string, now: number): Promise<void>;
  markDeleted(id: string, now: number): Promise<void>;
  /** Takes the next build number. Run it in the transaction that inserts the build. */
  allocateBuildNumber(id: string): Promise<number>;
  /** Makes sure future numbers come after `number` (imports). */
  raiseBuildNumber(id: string, number: number): Promise<void>;
  /** Takes the next daily number of `day` (yyyyMMdd). Run it in the build's transaction. */
  allocateDailyNumber(id: string, day: string): Promise<number>;
  /** Makes sure future daily numbers of `day` come after `n` (imports). */
  raiseDailyNumber(id: string, day: string, n: number): Promise<void>;
}

/** A job's builds in a time window: `from <= start_time < to`. */
export interface BuildWindow {
  jobId: string;
  from: number;
  to: number;
}

/** Summary of a job's latest build, for job lists. */
export interface LastBuildSummary {
  build: Build;
  healthScore: number;
}

/** Builds (the history): inserts keep the per-day counts the window queries seek by. */
export interface BuildStore {
  insert(build: Build): Promise<void>;
  /** Inserts many finished builds at once (imports); no number may exist yet. */
  insertMany(builds: Build[]): Promise<void>;
  findByNumber(jobId: string, number: number): Promise<Build | undefined>;
  findByRecordId(recordId: string): Promise<Build | undefined>;
  /** Which of `numbers` the job already has. */
  existingNumbers(jobId: string, numbers: number[]): Promise<Set<number>>;
  /** How many builds lie in the window; cost grows with builds per day, not with history. */
  countInWindow(window: BuildWindow): Promise<number>;
  /** Positions `offset .. offset+limit-1` of the window, newest first (start_time, then number). */
  pageInWindow(window: BuildWindow, offset: number, limit: number): Promise<Build[]>;
  /** States of the latest builds that count for health (SUCCESS, FAILURE, timeout), newest first. */
  latestCountedStates(jobId: string, limit: number): Promise<BuildState[]>;
  /** The build with the highest number, if any. */
  latest(jobId: string): Promise<Build | undefined>;
  /** Builds started in the window that finished, and those of them that succeeded. */
  finishedCounts(window: BuildWindow): Promise<{ total: number; success: number }>;
  /** Unfinished builds of all jobs, by running status (Starting, Running). */
  activeCounts(): Promise<Record<string, number>>;
}

/** Everything a use case can touch, bound to one connection or transaction. */
export interface Stores {
  domains: DomainStore;
  users: UserStore;
  iamProjects: IamProjectStore;
  projects: ProjectStore;
  tokens: TokenStore;
  accessKeys: AccessKeyStore;
  jobs: JobStore;
  builds: BuildStore;
}

/**
 * A storage engine. `transaction` runs `fn` with stores bound to one transaction: all of its
 * writes commit together or none do. On SQLite transactions are serialised; on PostgreSQL they
 * run at READ COMMITTED and rely on row locks taken by the statements themselves.
 */
export interface Storage extends Stores {
  readonly dialect: SqlDialectName;
  transaction<T>(fn: (tx: Stores) => Promise<T>): Promise<T>;
  /** Resolves when the store answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
