import type { BuildState } from './build.ts';
import { invalidParam } from './errors.ts';
import { isGroupPath } from './job-groups.ts';
import { flag, oneOf } from './query-values.ts';

/**
 * How a project's job list (ListProjectJobs) is filtered and ordered. CodeArts documents the
 * `build_status` values (the last build's Jenkins ball colour: red failed, blue succeeded, timeout,
 * aborted, building, none for never built) and `sort_order` (ASC|DESC); it names no sort fields,
 * so Kiln takes the Job fields a list is ordered by and says which.
 */
export const JOB_SORT_FIELDS = ['job_name', 'last_build_time', 'create_time'] as const;
export type JobSortField = (typeof JOB_SORT_FIELDS)[number];

export const LAST_BUILD_FILTERS = ['red', 'blue', 'timeout', 'aborted', 'building', 'none'] as const;
export type LastBuildFilter = (typeof LAST_BUILD_FILTERS)[number];

/** The state of a finished last build that each of the other filters stands for. */
export const FINISHED_STATE: Record<Exclude<LastBuildFilter, 'building' | 'none'>, BuildState> = {
  red: 'FAILURE',
  blue: 'SUCCESS',
  timeout: 'timeout',
  aborted: 'ABORTED',
};

/** A page of a project's jobs: which, in what order. */
export interface JobListQuery {
  offset: number;
  limit: number;
  /** Part of the name, any case. */
  search?: string;
  /** Jobs this user created. */
  creatorId?: string;
  /** Jobs whose last build is in this state. */
  lastBuild?: LastBuildFilter;
  /** Only the jobs the caller marked as favourites. */
  favorites?: boolean;
  /** Only the jobs of a group (by its path) and its subgroups, or those in no group. */
  group?: { pathId: string } | 'none';
  sort: { field: JobSortField; descending: boolean };
}

/** Reads the list's query parameters; a value it does not know is a 400 that names the valid ones. */
export function jobListQuery(q: {
  page_index?: number;
  page_size?: number;
  search?: string;
  creator_id?: string;
  build_status?: string;
  sort_field?: string;
  sort_order?: string;
  favorite?: string;
  by_group?: string;
  group_path_id?: string;
}): JobListQuery {
  const limit = q.page_size ?? 10;
  const group = groupFilter(q.by_group, q.group_path_id);
  return {
    offset: (q.page_index ?? 0) * limit,
    limit,
    ...(q.search && { search: q.search }),
    ...(q.creator_id && { creatorId: q.creator_id }),
    ...(q.build_status && { lastBuild: oneOf('build_status', q.build_status, LAST_BUILD_FILTERS) }),
    ...(flag('favorite', q.favorite) && { favorites: true }),
    ...(group && { group }),
    sort: {
      field: q.sort_field ? oneOf('sort_field', q.sort_field, JOB_SORT_FIELDS) : 'job_name',
      descending: q.sort_order ? oneOf('sort_order', q.sort_order, ['asc', 'desc']) === 'desc' : false,
    },
  };
}

/**
 * ListProjectJobs' group filter: `group_path_id` (a group's path, as ListGroupTree and MoveGroup
 * give it) lists that group's jobs and its subgroups'; `by_group=true` without a path lists the
 * jobs in no group.
 */
function groupFilter(byGroup: string | undefined, pathId: string | undefined): JobListQuery['group'] {
  const grouped = flag('by_group', byGroup);
  if (pathId) {
    if (!isGroupPath(pathId))
      throw invalidParam('group_path_id must be a group path: group ids (32 of 0-9a-z) joined by dots');
    return { pathId };
  }
  return grouped ? 'none' : undefined;
}
