import type { Role } from './roles.ts';

/**
 * What a person may do with one job (CodeArts' job permission matrix): `view` it and its builds,
 * `execute` (run and stop builds), `modify` its configuration, `delete` it (to the recycle bin),
 * `copy` it, `forbidden` (disable and enable it), `manager` (change these permissions). The order
 * is the stored bit mask's: `view` is bit 0, which the job lists filter on (job-store.ts).
 */
export const JOB_PERMISSIONS = [
  'view',
  'execute',
  'modify',
  'delete',
  'copy',
  'forbidden',
  'manager',
] as const;
export type JobPermission = (typeof JOB_PERMISSIONS)[number];
export type PermissionSet = Record<JobPermission, boolean>;

/**
 * Whom a row of a job's matrix is for: the project's roles, and the job's creator (whatever their
 * role; what the creator row grants adds to what their role has).
 */
export const PERMISSION_ROLES = ['owner', 'developer', 'viewer', 'creator'] as const;
export type PermissionRole = (typeof PERMISSION_ROLES)[number];

/**
 * CodeArts' role ids and names for them: -1 is its project_admin, -3 the creator row of its
 * matrices, 4 its developer; 7 stands for Kiln's viewer.
 */
export const ROLE_IDS: Record<PermissionRole, number> = { owner: -1, creator: -3, developer: 4, viewer: 7 };
export const ROLE_NAMES: Record<PermissionRole, string> = {
  owner: 'project_admin',
  creator: 'creator',
  developer: 'developer',
  viewer: 'viewer',
};

/** The permission role a CodeArts role id stands for. */
export function permissionRoleOf(roleId: number): PermissionRole | undefined {
  return PERMISSION_ROLES.find((r) => ROLE_IDS[r] === roleId);
}

const ALL: PermissionSet = {
  view: true,
  execute: true,
  modify: true,
  delete: true,
  copy: true,
  forbidden: true,
  manager: true,
};
const VIEW_ONLY: PermissionSet = {
  view: true,
  execute: false,
  modify: false,
  delete: false,
  copy: false,
  forbidden: false,
  manager: false,
};

/**
 * The project's permissions (ShowDefaultProjectPermission), which a job follows unless it has its
 * own: what the roles allow project-wide. Owners may do everything, developers everything but
 * change permissions, viewers look; being the creator adds nothing.
 */
export const DEFAULT_PERMISSIONS: Record<PermissionRole, PermissionSet> = {
  owner: ALL,
  developer: { ...ALL, manager: false },
  viewer: VIEW_ONLY,
  creator: VIEW_ONLY,
};

/** A job's matrix: a row per permission role. */
export type PermissionMatrix = Record<PermissionRole, PermissionSet>;

/**
 * What a person with `role` may do with a job whose matrix is `matrix`: an owner everything
 * (owners cannot be locked out), anyone else their role's row, plus the creator row for the
 * job's creator.
 */
export function effectivePermissions(
  matrix: PermissionMatrix,
  role: Role,
  isCreator: boolean,
): PermissionSet {
  if (role === 'owner') return ALL;
  const own = matrix[role];
  if (!isCreator) return own;
  const creator = matrix.creator;
  return Object.fromEntries(JOB_PERMISSIONS.map((p) => [p, own[p] || creator[p]])) as PermissionSet;
}

/** A set as a bit mask (bit i: JOB_PERMISSIONS[i]), as the store keeps it. */
export function toFlags(set: PermissionSet): number {
  return JOB_PERMISSIONS.reduce((flags, p, i) => (set[p] ? flags | (1 << i) : flags), 0);
}

/** The set a bit mask stands for. */
export function fromFlags(flags: number): PermissionSet {
  return Object.fromEntries(JOB_PERMISSIONS.map((p, i) => [p, (flags & (1 << i)) !== 0])) as PermissionSet;
}
