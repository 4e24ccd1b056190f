import type { Kysely } from 'kysely';
import { fromFlags, toFlags, type PermissionRole, type PermissionSet } from '../../domain/job-permissions.ts';
import type { JobPermissionRecord, JobPermissionStore } from '../ports.ts';
import type { Database } from '../schema.ts';

/** SQL JobPermissionStore. */
export class SqlJobPermissionStore implements JobPermissionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(jobId: string): Promise<JobPermissionRecord[]> {
    const rows = await this.db
      .selectFrom('job_permissions')
      .selectAll()
      .where('job_id', '=', jobId)
      .execute();
    return rows.map((r) => ({
      jobId: r.job_id,
      role: r.role as PermissionRole,
      permissions: fromFlags(Number(r.flags)),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  async put(jobId: string, role: PermissionRole, permissions: PermissionSet, now: number): Promise<void> {
    const flags = toFlags(permissions);
    await this.db
      .insertInto('job_permissions')
      .values({ job_id: jobId, role, flags, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['job_id', 'role']).doUpdateSet({ flags, updated_at: now }))
      .execute();
  }
}
