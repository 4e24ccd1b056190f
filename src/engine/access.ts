import { AppError } from '../domain/errors.ts';
import type { Principal, Project, User } from '../domain/identity.ts';
import {
  DEFAULT_PERMISSIONS,
  effectivePermissions,
  type JobPermission,
  type PermissionMatrix,
  type PermissionSet,
} from '../domain/job-permissions.ts';
import { roleAllows, type Action, type Role } from '../domain/roles.ts';
import type { JobAccessRecord, JobRecord, RecycledJob, Stores, Viewer } from '../storage/ports.ts';

/** A project the caller can see, and the role they act with there. */
export interface ProjectAccess {
  project: Project;
  role: Role;
}

/**
 * The caller's role in a project: `owner` for an administrator of the project's domain, else their
 * membership. Undefined when the project is not visible to them at all.
 */
export async function projectAccess(
  stores: Stores,
  principal: Principal,
  projectId: string,
): Promise<ProjectAccess | undefined> {
  return userProjectAccess(stores, principal.user, projectId);
}

/** `projectAccess` of a user who is not the caller (the creator a push builds as). */
export async function userProjectAccess(
  stores: Stores,
  user: User,
  projectId: string,
): Promise<ProjectAccess | undefined> {
  const project = await stores.projects.findById(projectId);
  if (!project || project.domainId !== user.domainId) return undefined;
  const role = effectiveRole(user, await stores.projects.findRole(projectId, user.id));
  return role && { project, role };
}

/**
 * The role a user acts with in a project of their domain, given their membership row there (if
 * any): a domain administrator is an owner of every project whatever a row says, else the row's
 * role. The administrator comes first because an owner may write anyone's row: were the row
 * first, a project owner could demote the administrator, who would then lack `manage` to undo it.
 * Every place that turns a membership into a role uses this (the job lists' SQL mirrors it).
 */
export function effectiveRole(user: { isAdmin: boolean }, member: Role | undefined): Role | undefined {
  return user.isAdmin ? 'owner' : member;
}

function forbidden(action: Action): AppError {
  const what = {
    read: 'read this project',
    build: 'create, change, run or stop jobs',
    manage: "manage this project's members",
    purge: 'delete jobs permanently (only an owner may)',
  };
  return new AppError('FORBIDDEN', `your role in this project does not allow you to ${what[action]}`);
}

/** The project if the caller may do `action` in it; 404 when invisible, 403 when the role falls short. */
export async function requireProject(
  stores: Stores,
  principal: Principal,
  projectId: string,
  action: Action,
): Promise<ProjectAccess> {
  const access = await projectAccess(stores, principal, projectId);
  if (!access) throw new AppError('PROJECT_NOT_FOUND', 'project not found');
  if (!roleAllows(access.role, action)) throw forbidden(action);
  return access;
}

/** A job, the caller's role in its project and what they may do with it. */
export interface JobAccess extends ProjectAccess {
  job: JobRecord;
  permissions: PermissionSet;
}

/** The matrix a job follows: its project's, or its own (rows it has not set are the project's). */
export async function permissionMatrix(stores: Stores, job: JobRecord): Promise<PermissionMatrix> {
  if (!job.ownPermissions) return DEFAULT_PERMISSIONS;
  const matrix = { ...DEFAULT_PERMISSIONS };
  for (const row of await stores.jobPermissions.list(job.id)) matrix[row.role] = row.permissions;
  return matrix;
}

/** What `user`, with `role` in its project, may do with the job. */
export async function jobPermissions(
  stores: Stores,
  user: User,
  job: JobRecord,
  role: Role,
): Promise<PermissionSet> {
  return effectivePermissions(await permissionMatrix(stores, job), role, job.creatorId === user.id);
}

/**
 * The user a push's or a schedule's build runs as: whoever last saved the job's document (its
 * creator until someone else changes it). What such a build does (its steps, repository, build
 * file, flow) is that user's choice, so it gets that user's rights and no more: run as the
 * creator, anyone who may edit a job would use the creator's files, artifacts and jobs through
 * it (GitHub Actions runs a schedule as whoever last changed its cron, for the same reason).
 */
export async function triggerUserId(stores: Stores, job: JobRecord): Promise<string> {
  for (let offset = 0; ; offset += 20) {
    const { items } = await stores.jobVersions.list(job.id, 20, offset);
    const saved = items.find((v) => v.change === 'CREATE' || v.change === 'UPDATE');
    if (saved) return saved.userId;
    if (items.length < 20) return job.creatorId;
  }
}

/**
 * Whether `user`, who is not the caller, may do `need` with the job as a request of theirs could:
 * enabled, still able to see the project, and allowed `need` by the job's matrix.
 */
export async function userMay(
  stores: Stores,
  user: User,
  job: JobRecord,
  need: JobPermission,
): Promise<boolean> {
  return (await userPermissions(stores, user, job))?.[need] === true;
}

/** Whether builds may run as `user` (a push or a schedule builds as triggerUserId()). */
export async function mayRunAs(stores: Stores, user: User, job: JobRecord): Promise<boolean> {
  return userMay(stores, user, job, 'execute');
}

/**
 * What `user`, who is not the caller, may do with the job as a request of theirs could; undefined
 * when nothing (disabled, or no longer able to see the project).
 */
export async function userPermissions(
  stores: Stores,
  user: User,
  job: JobRecord,
): Promise<PermissionSet | undefined> {
  if (user.disabled) return undefined;
  const access = await userProjectAccess(stores, user, job.projectId);
  return access && jobPermissions(stores, user, job, access.role);
}

function jobForbidden(need: JobPermission): AppError {
  const what: Record<JobPermission, string> = {
    view: 'see this job',
    execute: "run or stop this job's builds",
    modify: "change this job's configuration",
    delete: 'delete this job',
    copy: 'copy this job',
    forbidden: 'disable or enable this job',
    manager: "change this job's permissions",
  };
  return new AppError('FORBIDDEN', `your permissions on this job do not allow you to ${what[need]}`);
}

/** The caller's role in the project of a job found with `findAccess`; undefined when they cannot see it. */
function jobRole(principal: Principal, found: JobAccessRecord | undefined): Role | undefined {
  if (!found || found.project.domainId !== principal.user.domainId) return undefined;
  return effectiveRole(principal.user, found.role);
}

/**
 * The job, the caller's role in its project and what they may do with it (its permission matrix:
 * its project's, or its own). An unknown job and a job in a project the caller cannot see get the
 * same 404, so the answer does not reveal which jobs exist; so does a job in the recycle bin,
 * unless the caller may view it (see `jobNotFound`).
 */
export async function findJob(stores: Stores, principal: Principal, jobId: string): Promise<JobAccess> {
  // The job, its project and the caller's membership in one statement (every job operation does
  // this); the job's own matrix only when it has one.
  const found = await stores.jobs.findAccess(jobId, principal.user.id);
  const role = jobRole(principal, found);
  if (!found || !role) throw await jobNotFound(stores, principal, jobId);
  const permissions = await jobPermissions(stores, principal.user, found.job, role);
  return { project: found.project, role, job: found.job, permissions };
}

/**
 * The 404 of a job that is not live. One in the recycle bin that the caller may view (the bin
 * lists it for them: ListRecyclingJob) says so and how to bring it back, as "job not found" alone
 * sends them looking for a typo; for anyone else it is the 404 of a job that never existed, so
 * the answer reveals nothing the bin would not.
 */
async function jobNotFound(stores: Stores, principal: Principal, jobId: string): Promise<AppError> {
  const binned = await stores.jobs.findRecycledAccess(jobId, principal.user.id);
  const role = jobRole(principal, binned);
  if (binned && role && (await jobPermissions(stores, principal.user, binned.job, role)).view)
    return new AppError(
      'JOB_NOT_FOUND',
      `job not found: ${jobId} is in the recycle bin; restore it first (\`kiln bin restore ${jobId}\`, RestoreRecyclingJobs or the dashboard's recycle bin)`,
    );
  return new AppError('JOB_NOT_FOUND', 'job not found');
}

/** `findJob` when the caller may do `need` with the job; a member whose permissions fall short gets a 403. */
export async function requireJob(
  stores: Stores,
  principal: Principal,
  jobId: string,
  need: JobPermission,
): Promise<JobAccess> {
  const access = await findJob(stores, principal, jobId);
  if (!access.permissions[need]) throw jobForbidden(need);
  return access;
}

/**
 * `requireJob` for a job in the recycle bin; the 404 names the id (a bin call lists several). The
 * project role must allow `action` (restore: `build`; delete for good: `purge`), and the job's own
 * matrix still holds in the bin: the caller must be able to view it (as its listing asks) and to
 * delete it, the permission that put it there, since a restore undoes that delete and a purge
 * finishes it. Otherwise a role the matrix kept away from a job could bring it back, schedules
 * and all, once an owner deleted it.
 */
export async function requireRecycledJob(
  stores: Stores,
  principal: Principal,
  jobId: string,
  action: Action,
): Promise<ProjectAccess & { job: JobRecord } & RecycledJob> {
  const found = await stores.jobs.findRecycledAccess(jobId, principal.user.id);
  const role = jobRole(principal, found);
  if (!found || !role) throw new AppError('JOB_NOT_FOUND', `job ${jobId} not found in the recycle bin`);
  if (!roleAllows(role, action)) throw forbidden(action);
  const permissions = await jobPermissions(stores, principal.user, found.job, role);
  for (const need of RECYCLED_NEEDS) {
    if (!permissions[need]) {
      const what = need === 'view' ? 'see it' : 'delete it';
      throw new AppError(
        'FORBIDDEN',
        `your permissions on job ${jobId} do not allow you to ${what}, which taking it out of the recycle bin needs`,
      );
    }
  }
  return { ...found, role };
}

/** What the job's matrix must grant to take it out of the bin, back or for good (see above). */
const RECYCLED_NEEDS = ['view', 'delete'] as const satisfies readonly JobPermission[];

/** Whether the caller may take the job out of the bin as `requireRecycledJob` would (ClearRecyclingJobs' filter). */
export async function mayTakeOutOfBin(
  stores: Stores,
  user: User,
  job: JobRecord,
  role: Role | undefined,
  action: Action,
): Promise<boolean> {
  if (!role || !roleAllows(role, action)) return false;
  const permissions = await jobPermissions(stores, user, job, role);
  return RECYCLED_NEEDS.every((need) => permissions[need]);
}

/** Whose projects a listing across projects shows the caller: those of their domain they are a member of (all, for an administrator). */
export function viewerOf(caller: Principal): Viewer {
  return { domainId: caller.user.domainId, userId: caller.user.id, admin: caller.user.isAdmin };
}
