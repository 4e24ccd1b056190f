import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import {
  DEFAULT_PERMISSIONS,
  JOB_PERMISSIONS,
  PERMISSION_ROLES,
  permissionRoleOf,
  type JobPermission,
  type PermissionRole,
  type PermissionSet,
} from '../domain/job-permissions.ts';
import { roleAllows, type Role } from '../domain/roles.ts';
import type { JobRecord, Storage } from '../storage/ports.ts';
import { findJob, permissionMatrix, requireJob, requireProject } from './access.ts';

/** A row of a job's matrix, with when it was set (the job's creation when never). */
export interface RoleRow {
  role: PermissionRole;
  permissions: PermissionSet;
  createdAt: number;
  updatedAt: number;
  /** Members with the role (the creator row: 1). */
  members: number;
}

/** A row as BatchUpdateJobRolePermission sends it: a role id and the flags it sets. */
export interface RoleChange {
  roleId: number;
  set: Partial<PermissionSet>;
}

/**
 * Per-job permissions. A job follows its project's matrix (DEFAULT_PERMISSIONS, what the roles
 * allow) until someone who may manage its permissions gives it its own; owners keep every
 * permission whatever a matrix says. `requireJob` enforces them on every job operation.
 */
export class JobPermissionService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /** ShowProjectJobPermission: what the caller may do with the job, and their role. */
  async mine(caller: Principal, projectId: string, jobId: string) {
    const access = await findJob(this.storage, caller, jobId);
    sameProject(access.job, projectId);
    const rows = await this.rows(access.job);
    const row = rows.find((r) => r.role === access.role)!;
    return { ...access, createdAt: row.createdAt, updatedAt: row.updatedAt, members: row.members };
  }

  /**
   * ShowProjectPermission: what the caller's role allows in the project (the project's matrix; a
   * job with its own may allow more or less), and whether it may create jobs and arrange groups.
   */
  async inProject(caller: Principal, projectId: string) {
    const { role } = await requireProject(this.storage, caller, projectId, 'read');
    return { role, permissions: DEFAULT_PERMISSIONS[role], create: roleAllows(role, 'build') };
  }

  /** ShowJobRolePermission: the matrix the job follows, a row per role. */
  async matrix(caller: Principal, jobId: string): Promise<{ job: JobRecord; rows: RoleRow[] }> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    return { job, rows: await this.rows(job) };
  }

  /** ShowDefaultProjectPermission: the project's matrix, for someone who can see the job. */
  async defaults(
    caller: Principal,
    projectId: string,
    jobId: string,
  ): Promise<Record<PermissionRole, PermissionSet>> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    sameProject(job, projectId);
    return DEFAULT_PERMISSIONS;
  }

  /**
   * BatchUpdateJobRolePermission: sets rows of each job's own matrix (flags a row leaves out keep
   * their value) and makes the jobs follow it, or their project's when `projectSwitch` is true.
   * All jobs change or none: the caller must manage the permissions of each.
   */
  async update(
    caller: Principal,
    input: { projectId?: string; jobIds: string[]; projectSwitch?: boolean; changes: RoleChange[] },
  ): Promise<void> {
    const changes = input.changes.flatMap(checkedChange);
    const jobs: JobRecord[] = [];
    for (const id of new Set(input.jobIds)) {
      const { job } = await requireJob(this.storage, caller, id, 'manager');
      if (input.projectId !== undefined) sameProject(job, input.projectId);
      jobs.push(job);
    }
    const now = this.clock.now();
    await this.storage.transaction(async (tx) => {
      for (const { id, projectId } of jobs) {
        // Two changes of one job's matrix take turns: each reads what the other wrote.
        await tx.projects.lockForChanges(projectId);
        const job = await tx.jobs.findById(id);
        if (!job) throw new AppError('JOB_NOT_FOUND', `job ${id} not found`);
        // A job following its project starts its own matrix from the project's (what it showed),
        // whatever rows it kept from before.
        const matrix = job.ownPermissions ? await permissionMatrix(tx, job) : DEFAULT_PERMISSIONS;
        const next = { ...matrix };
        for (const { role, set } of changes) next[role] = { ...next[role], ...set };
        for (const role of PERMISSION_ROLES) {
          if (!job.ownPermissions || changes.some((c) => c.role === role)) {
            requireViewFirst(role, next[role]);
            await tx.jobPermissions.put(job.id, role, next[role], now);
          }
        }
        await tx.jobs.setOwnPermissions(job.id, input.projectSwitch !== true);
      }
    });
  }

  /** ApplyProjectPermission: whether the job follows its project's matrix (true) or its own. */
  async follow(caller: Principal, jobId: string, projectId: string | undefined, projectSwitch: boolean) {
    const { job } = await requireJob(this.storage, caller, jobId, 'manager');
    if (projectId !== undefined) sameProject(job, projectId);
    await this.storage.jobs.setOwnPermissions(job.id, !projectSwitch);
  }

  private async rows(job: JobRecord): Promise<RoleRow[]> {
    const matrix = await permissionMatrix(this.storage, job);
    const stored = job.ownPermissions ? await this.storage.jobPermissions.list(job.id) : [];
    const members = await this.storage.projects.listMembers(job.projectId);
    const count = (role: PermissionRole) =>
      role === 'creator' ? 1 : members.filter((m) => m.role === (role satisfies Role)).length;
    return PERMISSION_ROLES.map((role) => {
      const row = stored.find((r) => r.role === role);
      return {
        role,
        permissions: matrix[role],
        createdAt: row?.createdAt ?? job.createdAt,
        updatedAt: row?.updatedAt ?? job.createdAt,
        members: count(role),
      };
    });
  }
}

function sameProject(job: JobRecord, projectId: string): void {
  if (job.projectId !== projectId) throw invalidParam(`project_id: the job is in project ${job.projectId}`);
}

/**
 * A change's role, checked: the owners' row left whole. A CodeArts role Kiln does not have (its
 * matrices also name 0, 3, 5, 6...) changes nothing.
 */
function checkedChange(change: RoleChange): { role: PermissionRole; set: Partial<PermissionSet> }[] {
  const role = permissionRoleOf(change.roleId);
  if (!role) return [];
  if (role === 'owner' && JOB_PERMISSIONS.some((p) => change.set[p] === false))
    throw invalidParam("permissions: the owners' permissions (role_id -1) cannot be taken away");
  return [{ role, set: change.set }];
}

/** A row that allows anything must allow viewing the job. */
function requireViewFirst(role: PermissionRole, set: PermissionSet): void {
  const granted = JOB_PERMISSIONS.filter((p: JobPermission) => p !== 'view' && set[p]);
  if (!set.view && granted.length > 0)
    throw invalidParam(
      `permissions: the ${role} row grants ${granted.join(', ')} but not view; a role that may act on a job must see it`,
    );
}
