/** Roles a user can hold in a CodeArts project, weakest first. */
export const ROLES = ['viewer', 'developer', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a request needs: `read` job config and history; `build` create, change, run, stop and
 * delete jobs (to the recycle bin, from where they can be restored); `manage` the project's
 * members; `purge` delete jobs for good (from the recycle bin).
 */
export const ACTIONS = ['read', 'build', 'manage', 'purge'] as const;
export type Action = (typeof ACTIONS)[number];

const NEEDED: Record<Action, Role> = { read: 'viewer', build: 'developer', manage: 'owner', purge: 'owner' };

/** True when `role` is allowed `action` (roles are ordered: each has what the weaker ones have). */
export function roleAllows(role: Role, action: Action): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(NEEDED[action]);
}

/** True when `value` names a role. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
