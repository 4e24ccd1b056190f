import { AccountPage } from '../pages/account-page.tsx';
import { BuildPage } from '../pages/build-page.tsx';
import { JobFormPage } from '../pages/job-form-page.tsx';
import { JobHistoryPage } from '../pages/job-history-page.tsx';
import { InboxPage } from '../pages/inbox-page.tsx';
import { FilesPage } from '../pages/files-page.tsx';
import { JobPage } from '../pages/job-page.tsx';
import { ProjectsPage } from '../pages/projects-page.tsx';
import { QueuePage } from '../pages/queue-page.tsx';
import { RecycleBinPage } from '../pages/recycle-bin-page.tsx';
import { Link, matchPath, useLocation } from '../router/router.tsx';

/**
 * The dashboard's pages. Keys make React start a page afresh when its ids change (another job),
 * so no state of one job leaks into the next.
 */
export function Routes() {
  const { path } = useLocation();
  if (matchPath('/', path)) return <ProjectsPage />;
  if (matchPath('/bin', path)) return <RecycleBinPage />;
  if (matchPath('/queue', path)) return <QueuePage />;
  if (matchPath('/inbox', path)) return <InboxPage />;
  if (matchPath('/files', path)) return <FilesPage />;
  if (matchPath('/account', path)) return <AccountPage />;
  let m: Record<string, string> | undefined;
  if ((m = matchPath('/jobs/:jobId', path))) return <JobPage key={m.jobId} jobId={m.jobId as string} />;
  if ((m = matchPath('/jobs/:jobId/history', path)))
    return <JobHistoryPage key={`history-${m.jobId}`} jobId={m.jobId as string} />;
  if ((m = matchPath('/jobs/:jobId/edit', path)))
    return <JobFormPage key={`edit-${m.jobId}`} jobId={m.jobId as string} />;
  if ((m = matchPath('/projects/:projectId/jobs/new', path)))
    return <JobFormPage key={`new-${m.projectId}`} projectId={m.projectId as string} />;
  if ((m = matchPath('/jobs/:jobId/builds/:n', path)) && /^[1-9]\d{0,9}$/.test(m.n ?? ''))
    return <BuildPage key={`${m.jobId}-${m.n}`} jobId={m.jobId as string} buildNo={Number(m.n)} />;
  return (
    <main className="page">
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/">Go to the projects</Link>.
      </p>
    </main>
  );
}
