import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Pager } from '../components/pager.tsx';
import { Spinner } from '../components/spinner.tsx';
import { Link } from '../router/router.tsx';
import { JobRow } from './job-row.tsx';

const PAGE_SIZE = 25;

/** A project's jobs, filtered by name on the server, a page at a time. */
export function ProjectJobs({
  client,
  project,
  search,
  favourites,
}: {
  client: Kiln;
  project: { identifier: string; name: string };
  search: string;
  /** Only the person's favourite jobs. */
  favourites: boolean;
}) {
  const [page, setPage] = useState(0);
  const [lastFilter, setLastFilter] = useState(`${search}/${favourites}`);
  if (`${search}/${favourites}` !== lastFilter) {
    setLastFilter(`${search}/${favourites}`);
    setPage(0);
  }
  const jobs = useAsync(
    () =>
      client.listProjectJobs({
        params: { project_id: project.identifier },
        query: {
          page_index: page,
          page_size: PAGE_SIZE,
          ...(search && { search }),
          ...(favourites && { favorite: 'true' }),
        },
      }),
    [client, project.identifier, search, favourites, page],
  );
  const headingId = `project-${project.identifier}`;
  const list = jobs.data?.jobs ?? [];
  const total = jobs.data?.total ?? 0;
  return (
    <section className="project" aria-labelledby={headingId}>
      <header className="section-header">
        <h2 id={headingId}>
          {project.name} {jobs.loading && <Spinner label={jobs.data ? 'Updating…' : 'Loading jobs…'} />}
        </h2>
        <Link className="button" href={`/projects/${project.identifier}/jobs/new`}>
          New job
        </Link>
      </header>
      <ErrorMessage error={jobs.error} title="The jobs could not be loaded." />
      {jobs.data && list.length === 0 && (
        <p className="empty">
          {search
            ? `No ${favourites ? 'favourite ' : ''}job name contains “${search}”.`
            : favourites
              ? 'None of your favourites is in this project.'
              : 'No jobs yet.'}
        </p>
      )}
      {list.length > 0 && (
        <table className="jobs-table responsive">
          <caption className="visually-hidden">Jobs of {project.name}</caption>
          <thead>
            <tr>
              <th scope="col">Health</th>
              <th scope="col">Job</th>
              <th scope="col">Last build</th>
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
      {total > PAGE_SIZE && (
        <Pager
          page={page}
          totalPages={Math.ceil(total / PAGE_SIZE)}
          onPage={setPage}
          label={`Pages of ${project.name}`}
        />
      )}
    </section>
  );
}
