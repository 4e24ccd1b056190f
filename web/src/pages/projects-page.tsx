import { useEffect, useState } from 'react';
import { useSignedIn } from '../app/session-context.tsx';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import { NewProject } from '../projects/new-project.tsx';
import { jobSortOf, withJobSort, type JobSort } from '../projects/job-sort.ts';
import { ProjectJobs } from '../projects/project-jobs.tsx';
import { navigate, useLocation } from '../router/router.tsx';

/** Typing pauses this long before the search runs. */
const SEARCH_DELAY_MS = 250;

/**
 * The start page: every project the person can see, with its jobs and their health, and New
 * project for domain administrators.
 */
export function ProjectsPage() {
  const { client } = useSignedIn();
  const { path, query } = useLocation();
  const search = query.get('q') ?? '';
  const favourites = query.get('favourites') === '1';
  const sort = jobSortOf(query);
  // One order for every project's list, as one search is: a header pressed in any of them sorts all.
  const onSort = (next: JobSort) => {
    const qs = withJobSort(query, next).toString();
    navigate(`${path}${qs ? `?${qs}` : ''}`, { replace: true });
  };
  const [text, setText] = useState(search);
  // The box follows the URL when something else changes it (the header's "Kiln" link, back and
  // forward); the debounce below would otherwise write the stale text back. The URL catching up
  // with the box (the same text, trimmed) leaves what is typed alone.
  const [lastSearch, setLastSearch] = useState(search);
  if (search !== lastSearch) {
    setLastSearch(search);
    if (text.trim() !== search) setText(search);
  }
  const projects = useAsync(() => client.showRelatedProject(), [client]);
  // Only domain administrators may create projects (the server's rule): the others get no button.
  const me = useAsync(() => client.showCurrentUser(), [client]);

  useEffect(() => {
    document.title = 'Projects · Kiln';
  }, []);
  // The search lives in the URL (shareable, kept on back) but is written only once typing pauses.
  useEffect(() => {
    if (text.trim() === search) return;
    const t = setTimeout(() => {
      const q = new URLSearchParams(query);
      if (text.trim()) q.set('q', text.trim());
      else q.delete('q');
      const qs = q.toString();
      navigate(`${path}${qs ? `?${qs}` : ''}`, { replace: true });
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [text, search, path, query]);

  const list = projects.data?.result.project_info_list ?? [];
  return (
    <main className="page projects-page">
      <header className="page-header">
        <h1>Projects</h1>
        <search className="job-search">
          <label className="inline-field">
            Find jobs by name{' '}
            <input
              type="search"
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder="part of a job name"
            />
          </label>
          <label className="inline-field">
            <input
              type="checkbox"
              checked={favourites}
              onChange={(e) => {
                const q = new URLSearchParams(query);
                if (e.target.checked) q.set('favourites', '1');
                else q.delete('favourites');
                const qs = q.toString();
                navigate(`${path}${qs ? `?${qs}` : ''}`, { replace: true });
              }}
            />{' '}
            Favourites only
          </label>
        </search>
      </header>
      {me.data?.result.is_admin && <NewProject client={client} onCreated={() => projects.reload()} />}
      {projects.loading && !projects.data && <Spinner label="Loading projects…" />}
      <ErrorMessage error={projects.error} title="The projects could not be loaded." />
      {projects.data && list.length === 0 && (
        <p className="empty">You are not a member of any project yet.</p>
      )}
      {list.map((p) => (
        <ProjectJobs
          key={p.identifier}
          client={client}
          project={p}
          search={search}
          favourites={favourites}
          sort={sort}
          onSort={onSort}
        />
      ))}
    </main>
  );
}
