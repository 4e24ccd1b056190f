import { JOB_PERMISSIONS, ROLE_IDS, ROLE_NAMES, type PermissionSet } from '../../domain/job-permissions.ts';
import { formatOffsetTime } from '../../domain/time.ts';
import type { RoleRow } from '../../engine/job-permission-service.ts';

/** A permission set as the `is_*` flags (`is_forbidden`: disable and enable). */
export function permissionFlags(set: PermissionSet) {
  const flag = (p: (typeof JOB_PERMISSIONS)[number]) => set[p];
  return {
    is_modify: flag('modify'),
    is_delete: flag('delete'),
    is_view: flag('view'),
    is_execute: flag('execute'),
    is_copy: flag('copy'),
    is_forbidden: flag('forbidden'),
    is_manager: flag('manager'),
  };
}

/** A row of ShowJobRolePermission. */
export function toRoleRow(row: RoleRow, index: number, jobId: string, zone: string) {
  return {
    id: index + 1,
    role_id: ROLE_IDS[row.role],
    role_name: ROLE_NAMES[row.role],
    job_id: jobId,
    ...permissionFlags(row.permissions),
    create_time: formatOffsetTime(row.createdAt, zone),
    last_update_time: formatOffsetTime(row.updatedAt, zone),
    count: row.members,
  };
}
