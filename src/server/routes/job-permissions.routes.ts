import { PERMISSION_ROLES, ROLE_IDS, ROLE_NAMES } from '../../domain/job-permissions.ts';
import { formatOffsetTime } from '../../domain/time.ts';
import { permissionFlags, toRoleRow } from '../mappers/job-permission.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { DONE } from './deps.ts';

type PermissionOps =
  | 'showProjectJobPermission'
  | 'checkJobInternal'
  | 'showJobRolePermission'
  | 'batchUpdateJobRolePermission'
  | 'showDefaultProjectPermission'
  | 'applyProjectPermission'
  | 'showProjectPermission';

/** Per-job permissions: the caller's, a job's matrix, the project's, and changing them. */
export function jobPermissionHandlers(deps: RouteDeps): HandlerGroup<PermissionOps> {
  const { permissions, timeZone } = deps.engine;
  return {
    async showProjectJobPermission({ caller, query }) {
      const mine = await permissions.mine(caller, query.project_id, query.job_id);
      return {
        result: {
          role_id: ROLE_IDS[mine.role],
          job_id: mine.job.id,
          ...permissionFlags(mine.permissions),
          create_time: formatOffsetTime(mine.createdAt, timeZone),
          last_update_time: formatOffsetTime(mine.updatedAt, timeZone),
          count: mine.members,
        },
        status: 'success',
      };
    },
    // Kiln has no secure intranet access mode to switch on.
    checkJobInternal: async () => ({ result: false, error: null, status: 'success' }),
    async showJobRolePermission({ caller, query }) {
      const { job, rows } = await permissions.matrix(caller, query.job_id);
      return { result: rows.map((r, i) => toRoleRow(r, i, job.id, timeZone)), status: 'success' };
    },
    async batchUpdateJobRolePermission({ caller, body }) {
      await permissions.update(caller, {
        ...(body.project_id !== undefined && { projectId: body.project_id }),
        jobIds: body.job_ids,
        ...(body.project_switch !== undefined && { projectSwitch: body.project_switch }),
        changes: (body.permissions ?? []).map((p) => ({
          roleId: p.role_id,
          set: {
            ...(p.is_view !== undefined && { view: p.is_view }),
            ...(p.is_execute !== undefined && { execute: p.is_execute }),
            ...(p.is_modify !== undefined && { modify: p.is_modify }),
            ...(p.is_delete !== undefined && { delete: p.is_delete }),
            ...(p.is_copy !== undefined && { copy: p.is_copy }),
            ...(p.is_forbidden !== undefined && { forbidden: p.is_forbidden }),
            ...(p.is_manager !== undefined && { manager: p.is_manager }),
          },
        })),
      });
      return DONE;
    },
    async showDefaultProjectPermission({ caller, query }) {
      const matrix = await permissions.defaults(caller, query.project_id, query.job_id);
      return {
        result: PERMISSION_ROLES.map((role) => ({
          role_id: ROLE_IDS[role],
          role_name: ROLE_NAMES[role],
          ...permissionFlags(matrix[role]),
        })),
        error: null,
        status: 'success',
      };
    },
    async showProjectPermission({ caller, query }) {
      const { role, permissions: can, create } = await permissions.inProject(caller, query.project_id);
      return {
        result: {
          project_id: query.project_id,
          create_permission: create,
          modify_permission: can.modify,
          group_permission: create,
          delete_permission: can.delete,
          view_permission: can.view,
          execute_permission: can.execute,
          copy_permission: can.copy,
          forbidden_permission: can.forbidden,
          manager_permission: can.manager,
          role_id: String(ROLE_IDS[role]),
          role_name: ROLE_NAMES[role],
          role_ids: [String(ROLE_IDS[role])],
          role_names: [ROLE_NAMES[role]],
        },
        error: null,
        status: 'success',
      };
    },
    async applyProjectPermission({ caller, body }) {
      await permissions.follow(caller, body.job_id, body.project_id, body.project_switch);
      return DONE;
    },
  };
}
