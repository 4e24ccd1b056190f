import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Pager, usePage } from '../components/pager.tsx';
import { SortHeader } from '../components/sort-header.tsx';
import { Spinner } from '../components/spinner.tsx';
import { Link } from '../router/router.tsx';
import { JobRow } from './job-row.tsx';
import { pressed, type JobSort, type JobSortField } from './job-sort.ts';
import { GroupBar, type GroupFilter } from './group-bar.tsx';
import { ProjectInsights } from '../job/job-insights.tsx';
import type { JobGroupNode } from '../../../src/contract/job-groups.ts';

const PAGE_SIZE = 25;

/** A project's jobs, filtered by name and sorted on the server, a page at a time. */
export function ProjectJobs({
  client,
  project,
  search,
  favourites,
  sort,
  onSort,
}: {
  client: Kiln;
  project: { identifier: string; name: string };
  search: string;
  /** Only the person's favourite jobs. */
  favourites: boolean;
  /** The order of the list (the page's URL keeps it); `onSort` asks for another. */
  sort: JobSort;
  onSort: (sort: JobSort) => void;
}) {
  const [group, setGroup] = useState<GroupFilter>({ kind: 'all' });
  const [treeVersion, setTreeVersion] = useState(0);
  const groupKey = group.kind === 'group' ? group.pathId : group.kind;
  const sortKey = `${sort.field}/${sort.descending ? 'desc' : 'asc'}`;
  // Another sort starts again at page 1, as another search does: page 3 of another order is no
  // place anyone asked for.
  const filterKey = `${search}/${favourites}/${groupKey}/${sortKey}`;
  const { page, setPage, pagesOf } = usePage(PAGE_SIZE, filterKey);
  const tree = useAsync(
    () => client.listGroupTree({ params: { project_id: project.identifier } }),
    [client, project.identifier, treeVersion],
  );
  const jobs = useAsync(
    () =>
      client.listProjectJobs({
        params: { project_id: project.identifier },
        query: {
          page_index: page,
          page_size: PAGE_SIZE,
          ...(search && { search }),
          ...(favourites && { favorite: 'true' }),
          ...(group.kind === 'group' && { group_path_id: group.pathId }),
          ...(group.kind === 'none' && { by_group: 'true' }),
          sort_field: sort.field,
          sort_order: sort.descending ? 'DESC' : 'ASC',
        },
      }),
    [client, project.identifier, search, favourites, groupKey, sortKey, page],
  );
  // What the person's role allows here: a viewer is offered neither New job nor the group actions.
  const rights = useAsync(
    () => client.showProjectPermission({ query: { project_id: project.identifier } }),
    [client, project.identifier],
  );
  const may = rights.data?.result;
  const headingId = `project-${project.identifier}`;
  const list = jobs.data?.jobs ?? [];
  const totalPages = pagesOf(jobs.data?.total);
  const sortedBy = (field: JobSortField) =>
    sort.field !== field ? undefined : sort.descending ? 'descending' : 'ascending';
  return (
    <section className="project" aria-labelledby={headingId}>
      <header className="section-header">
        <h2 id={headingId}>
          <bdi>{project.name}</bdi>{' '}
          {jobs.loading && <Spinner label={jobs.data ? 'Updating…' : 'Loading jobs…'} />}
        </h2>
        {may?.create_permission && (
          <Link className="button" href={`/projects/${project.identifier}/jobs/new`}>
            New job
          </Link>
        )}
      </header>
      <GroupBar
        client={client}
        projectId={project.identifier}
        projectName={project.name}
        groups={(tree.data?.result ?? []) as JobGroupNode[]}
        filter={group}
        onFilter={setGroup}
        mayArrange={may?.group_permission === true}
        onChanged={() => setTreeVersion((n) => n + 1)}
      />
      <ErrorMessage error={jobs.error} title="The jobs could not be loaded." />
      {jobs.data && list.length === 0 && (
        <p className="empty">
          {search
            ? `No ${favourites ? 'favourite ' : ''}job name contains “${search}”.`
            : favourites
              ? 'None of your favourites is in this project.'
              : group.kind !== 'all'
                ? 'No job here.'
                : 'No jobs yet.'}
        </p>
      )}
      {list.length > 0 && (
        <table className="jobs-table responsive">
          <caption className="visually-hidden">Jobs of {project.name}</caption>
          <thead>
            <tr>
              <th scope="col">Health</th>
              <SortHeader sorted={sortedBy('job_name')} onSort={() => onSort(pressed(sort, 'job_name'))}>
                Job
              </SortHeader>
              <SortHeader
                sorted={sortedBy('last_build_time')}
                onSort={() => onSort(pressed(sort, 'last_build_time'))}
              >
                Last build
              </SortHeader>
              <th scope="col">Success, 7 days</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((job) => (
              <JobRow key={job.id} client={client} job={job} />
            ))}
          </tbody>
        </table>
      )}
      {totalPages > 1 && (
        <Pager page={page} totalPages={totalPages} onPage={setPage} label={`Pages of ${project.name}`} />
      )}
      {list.length > 0 && <ProjectInsights client={client} projectId={project.identifier} />}
    </section>
  );
}
