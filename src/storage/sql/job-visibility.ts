import { sql, type RawBuilder } from 'kysely';
import type { Viewer } from '../ports.ts';

/**
 * Whether the viewer may view the job of a row of `jobs` with their membership joined as `member`,
 * as access.ts decides: a domain administrator is an owner of every project of the domain whatever
 * their row says (effectiveRole); anyone else must be a member, and of a job with its own matrix,
 * an owner or granted view (bit 0) by their role's row or, for its creator, by the creator row (a
 * row not set is the project's, which grants it).
 */
export function mayView(viewer: Viewer): RawBuilder<boolean> {
  if (viewer.admin) return sql<boolean>`1 = 1`;
  const viewBit = (role: RawBuilder<unknown>) =>
    sql`coalesce((select p.flags from job_permissions p where p.job_id = jobs.id and p.role = ${role}), 1) % 2 = 1`;
  return sql<boolean>`(member.role is not null and (jobs.project_permissions = 1 or member.role = 'owner'
    or ${viewBit(sql.ref('member.role'))}
    or (jobs.creator_id = ${viewer.userId} and ${viewBit(sql`'creator'`)})))`;
}
