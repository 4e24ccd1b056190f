import type { JobGroupNode, JobGroupResult } from '../../contract/job-groups.ts';
import { formatOffsetTime } from '../../domain/time.ts';
import type { NamedGroup } from '../../engine/job-group-service.ts';

/** The fields every group answer has. */
function fields({ group, creator, updater }: NamedGroup, domainId: string, zone: string) {
  return {
    id: group.id,
    domain_id: domainId,
    project_id: group.projectId,
    name: group.name,
    parent_id: group.parentId,
    path_id: group.pathId,
    create_user: creator?.name ?? '',
    update_user: group.updaterId === null ? null : (updater?.name ?? ''),
    create_time: formatOffsetTime(group.createdAt, zone, ''),
    update_time: group.updatedAt === null ? null : formatOffsetTime(group.updatedAt, zone, ''),
  };
}

/** A group as CreateJobGroup and UpdateJobGroup answer it. */
export function toGroupResult(g: NamedGroup, domainId: string, zone: string): JobGroupResult {
  return { ...fields(g, domainId, zone), group_id: g.group.id, ordinal: String(g.group.ordinal) };
}

/** ListGroupTree's forest from a project's groups listed in sibling order. */
export function toGroupTree(groups: NamedGroup[], domainId: string, zone: string): JobGroupNode[] {
  const nodes = new Map<string, JobGroupNode>();
  for (const g of groups)
    nodes.set(g.group.id, { ...fields(g, domainId, zone), ordinal: g.group.ordinal, children: [] });
  const roots: JobGroupNode[] = [];
  for (const g of groups) {
    const node = nodes.get(g.group.id)!;
    const parent = g.group.parentId === null ? undefined : nodes.get(g.group.parentId);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}
