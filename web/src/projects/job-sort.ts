/**
 * The order of the projects page's job lists, kept in its URL (`?sort=…&order=…`) beside the
 * search, so reload, back and a shared link keep it. It is ListProjectJobs' `sort_field` and
 * `sort_order` (docs/api-compat.md); without either the server's default, name A to Z.
 */
export type JobSortField = 'job_name' | 'last_build_time';
export interface JobSort {
  field: JobSortField;
  descending: boolean;
}

export const DEFAULT_JOB_SORT: JobSort = { field: 'job_name', descending: false };

/**
 * The columns' first order when pressed: names A to Z, build times newest first (the jobs built
 * lately are the ones looked for). Pressing the sorted column again reverses it.
 */
const FIRST_DESCENDING: Record<JobSortField, boolean> = { job_name: false, last_build_time: true };

/** The sort a URL asks for; a value the page does not know falls back to the default, not a 400. */
export function jobSortOf(query: URLSearchParams): JobSort {
  const field = query.get('sort');
  if (field !== 'job_name' && field !== 'last_build_time') return DEFAULT_JOB_SORT;
  const order = query.get('order');
  return { field, descending: order === null ? FIRST_DESCENDING[field] : order === 'desc' };
}

/** The sort after pressing `field`'s header. */
export function pressed(sort: JobSort, field: JobSortField): JobSort {
  return sort.field === field
    ? { field, descending: !sort.descending }
    : { field, descending: FIRST_DESCENDING[field] };
}

/** `query` with `sort` in it (none for the default, so the plain page keeps its plain URL). */
export function withJobSort(query: URLSearchParams, sort: JobSort): URLSearchParams {
  const q = new URLSearchParams(query);
  if (sort.field === DEFAULT_JOB_SORT.field && sort.descending === DEFAULT_JOB_SORT.descending) {
    q.delete('sort');
    q.delete('order');
  } else {
    q.set('sort', sort.field);
    q.set('order', sort.descending ? 'desc' : 'asc');
  }
  return q;
}
