import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import type { Principal, User } from '../domain/identity.ts';
import { newId32 } from '../domain/ids.ts';
import { checkedGroupName, childPath, depthOf, MAX_GROUP_DEPTH } from '../domain/job-groups.ts';
import type { JobGroup, Storage, Stores } from '../storage/ports.ts';
import { requireJob, requireProject } from './access.ts';
import { userLookup } from './user-lookup.ts';

/** A group change as CreateJobGroup / UpdateJobGroup send it. */
export interface GroupInput {
  /** UpdateJobGroup: the group to change. */
  id?: string;
  name?: string;
  /** The parent group; '' or absent at create: top level. */
  parentId?: string;
}

/** A group with the users its answer names. */
export interface NamedGroup {
  group: JobGroup;
  creator: User | undefined;
  updater: User | undefined;
}

/** A moved job and its group's path ('' when it is in none). */
export interface MovedJob {
  jobId: string;
  groupPathId: string;
}

/**
 * The group a job document names (its `group_id`), checked in the transaction that stores the job,
 * which locks the project so that the group cannot go meanwhile; undefined for none ('' or absent).
 */
export async function groupForJob(
  tx: Stores,
  projectId: string,
  groupId: string | undefined,
): Promise<string | undefined> {
  if (!groupId) return undefined;
  await tx.projects.lockForChanges(projectId);
  const group = await tx.jobGroups.find(projectId, groupId);
  if (!group) throw invalidParam(`group_id: no group ${groupId} in project ${projectId}`);
  return group.id;
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `no group ${id} in this project`);
}

/**
 * The group tree of each project: folders of jobs, nested up to MAX_GROUP_DEPTH. Developers
 * arrange it (creating, renaming, moving, reordering, deleting groups); a job goes into a group
 * by whoever may modify it;
 * every change locks the project's row, so two changes of one tree never interleave. A group with
 * subgroups or live jobs cannot be deleted (409): nothing is regrouped behind the caller's back.
 */
export class JobGroupService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /** ListGroupTree: the project's groups, in sibling order (the caller builds the tree). */
  async list(caller: Principal, projectId: string): Promise<NamedGroup[]> {
    await requireProject(this.storage, caller, projectId, 'read');
    return this.named(await this.storage.jobGroups.listByProject(projectId));
  }

  /** The groups with their creators and last updaters. */
  async named(groups: JobGroup[]): Promise<NamedGroup[]> {
    const user = userLookup(this.storage);
    return Promise.all(
      groups.map(async (group) => ({
        group,
        creator: await user(group.creatorId),
        updater: group.updaterId === null ? undefined : await user(group.updaterId),
      })),
    );
  }

  /** CreateJobGroup: a new group, last among its siblings; sibling names are unique. */
  async create(caller: Principal, projectId: string, input: GroupInput): Promise<JobGroup> {
    await requireProject(this.storage, caller, projectId, 'build');
    const name = checkedGroupName(input.name ?? '');
    return this.storage.transaction(async (tx) => {
      await tx.projects.lockForChanges(projectId);
      const parent = input.parentId ? await this.group(tx, projectId, input.parentId) : undefined;
      const parentId = parent?.id ?? null;
      await this.requireFreeName(tx, projectId, parentId, name);
      const id = newId32();
      const group: JobGroup = {
        id,
        projectId,
        parentId,
        name,
        ordinal: await tx.jobGroups.nextOrdinal(projectId, parentId),
        pathId: this.pathUnder(parent, id),
        creatorId: caller.user.id,
        createdAt: this.clock.now(),
        updaterId: null,
        updatedAt: null,
      };
      await tx.jobGroups.insert(group);
      return group;
    });
  }

  /**
   * UpdateJobGroup: renames the group and, when `parentId` is given, moves it (with its subtree)
   * under another group ('' : to the top level), last among its new siblings.
   */
  async update(caller: Principal, projectId: string, input: GroupInput): Promise<JobGroup> {
    await requireProject(this.storage, caller, projectId, 'build');
    if (!input.id) throw invalidParam('id: which group to change');
    const groupId = input.id;
    return this.storage.transaction(async (tx) => {
      await tx.projects.lockForChanges(projectId);
      const group = await this.group(tx, projectId, groupId);
      const name = input.name === undefined ? group.name : checkedGroupName(input.name);
      let { parentId, ordinal, pathId } = group;
      if (input.parentId !== undefined && (input.parentId || null) !== group.parentId) {
        const parent = input.parentId ? await this.group(tx, projectId, input.parentId) : undefined;
        if (parent && (parent.pathId === group.pathId || parent.pathId.startsWith(`${group.pathId}.`)))
          throw invalidParam('parent_id: a group cannot move into itself or one of its subgroups');
        parentId = parent?.id ?? null;
        pathId = this.pathUnder(parent, group.id);
        const subtreeDepth = await this.subtreeDepth(tx, group);
        if (depthOf(pathId) + subtreeDepth - 1 > MAX_GROUP_DEPTH)
          throw invalidParam(`parent_id: groups nest at most ${MAX_GROUP_DEPTH} deep`);
        ordinal = await tx.jobGroups.nextOrdinal(projectId, parentId);
      }
      if (name !== group.name || parentId !== group.parentId)
        await this.requireFreeName(tx, projectId, parentId, name);
      const changed: JobGroup = {
        ...group,
        name,
        parentId,
        ordinal,
        pathId,
        updaterId: caller.user.id,
        updatedAt: this.clock.now(),
      };
      await tx.jobGroups.update(changed, group.pathId);
      return changed;
    });
  }

  /** DeleteGroup: an empty group (no subgroup, no live job); jobs of the bin in it end in none. */
  async remove(caller: Principal, projectId: string, groupId: string): Promise<void> {
    await requireProject(this.storage, caller, projectId, 'build');
    await this.storage.transaction(async (tx) => {
      await tx.projects.lockForChanges(projectId);
      const group = await this.group(tx, projectId, groupId);
      if (await tx.jobGroups.hasChildren(group.id))
        throw new AppError('CONFLICT', `group ${group.name} has subgroups: delete or move them first`);
      if (await tx.jobs.anyInGroup(group.id))
        throw new AppError('CONFLICT', `group ${group.name} has jobs: move them to another group first`);
      await tx.jobGroups.delete(group.id);
    });
  }

  /** SwitchedPacket: two groups with the same parent trade places. */
  async swap(caller: Principal, projectId: string, sourceId: string, targetId: string): Promise<void> {
    await requireProject(this.storage, caller, projectId, 'build');
    await this.storage.transaction(async (tx) => {
      await tx.projects.lockForChanges(projectId);
      const a = await this.group(tx, projectId, sourceId);
      const b = await this.group(tx, projectId, targetId);
      if (a.parentId !== b.parentId)
        throw invalidParam('target_group_id: only groups with the same parent can trade places');
      await tx.jobGroups.setOrdinals({ id: a.id, ordinal: b.ordinal }, { id: b.id, ordinal: a.ordinal });
    });
  }

  /**
   * MoveGroup: puts jobs of the project into a group (`groupId` '' or absent: into none). The
   * caller must be allowed to modify each job; all move or none does.
   */
  async moveJobs(
    caller: Principal,
    projectId: string,
    groupId: string | undefined,
    jobIds: readonly string[],
  ): Promise<MovedJob[]> {
    // Moving a job changes the job, not the tree: its `modify` permission decides.
    await requireProject(this.storage, caller, projectId, 'read');
    for (const id of jobIds) {
      const { job } = await requireJob(this.storage, caller, id, 'modify');
      if (job.projectId !== projectId) throw invalidParam(`jobs: job ${id} is not in project ${projectId}`);
    }
    return this.storage.transaction(async (tx) => {
      await tx.projects.lockForChanges(projectId);
      const group = groupId ? await this.group(tx, projectId, groupId) : undefined;
      // A job deleted since its check stays as it went to the recycle bin: not found, as it
      // would have been a moment later (all or none).
      if ((await tx.jobs.setGroup(projectId, jobIds, group?.id ?? null)) < new Set(jobIds).size)
        throw new AppError('JOB_NOT_FOUND', 'job not found');
      return jobIds.map((jobId) => ({ jobId, groupPathId: group?.pathId ?? '' }));
    });
  }

  private async group(tx: Stores, projectId: string, id: string): Promise<JobGroup> {
    const group = await tx.jobGroups.find(projectId, id);
    if (!group) throw notFound(id);
    return group;
  }

  private pathUnder(parent: JobGroup | undefined, id: string): string {
    const path = childPath(parent?.pathId, id);
    if (depthOf(path) > MAX_GROUP_DEPTH)
      throw invalidParam(`parent_id: groups nest at most ${MAX_GROUP_DEPTH} deep`);
    return path;
  }

  /** How many levels the group's subtree spans (1: it has no subgroup). */
  private async subtreeDepth(tx: Stores, group: JobGroup): Promise<number> {
    const all = await tx.jobGroups.listByProject(group.projectId);
    const base = depthOf(group.pathId);
    let deepest = base;
    for (const g of all)
      if (g.pathId.startsWith(`${group.pathId}.`)) deepest = Math.max(deepest, depthOf(g.pathId));
    return deepest - base + 1;
  }

  private async requireFreeName(tx: Stores, projectId: string, parentId: string | null, name: string) {
    if (await tx.jobGroups.findChild(projectId, parentId, name))
      throw new AppError('CONFLICT', `a group named ${name} already exists there`);
  }
}
