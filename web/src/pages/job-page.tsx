import { useEffect, useRef, useState } from 'react';
import { isNotFound } from '../api/errors.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Pager } from '../components/pager.tsx';
import { Spinner } from '../components/spinner.tsx';
import { WeatherIcon } from '../components/weather-icon.tsx';
import { CopyJob } from '../job/copy-job.tsx';
import { DeleteJob } from '../job/delete-job.tsx';
import { JobGroup } from '../job/job-group.tsx';
import { JobPermissions } from '../job/job-permissions.tsx';
import { JobInsights } from '../job/job-insights.tsx';
import { JobWebhook } from '../job/job-webhook.tsx';
import { JobBadge } from '../job/job-badge.tsx';
import { JobNotices } from '../job/job-notices.tsx';
import { JobSetup } from '../job/job-setup.tsx';
import { toJobSpec } from '../../../src/domain/job-config.ts';
import { HistoryCharts } from '../job/history-charts.tsx';
import { TestTrend } from '../job/test-trend.tsx';
import { HistoryTable } from '../job/history-table.tsx';
import { RunForm } from '../job/run-form.tsx';
import { useChartRecords } from '../job/use-chart-records.ts';
import { useRecordsPage } from '../job/use-records-page.ts';
import { WindowPicker } from '../job/window-picker.tsx';
import { isFinished, statusOf } from '../lib/build-status.ts';
import { formatCountOf, isolated } from '../lib/format.ts';
import { describeWindow, windowFromParams, windowToParams, type WindowSpec } from '../lib/time-window.ts';
import { Link, navigate, useLocation } from '../router/router.tsx';

const PAGE_SIZES = [10, 20, 50, 100] as const;
const DEFAULT_SIZE = 20;
/** How often the newest page refreshes while one of its builds is queued or running. */
const LIVE_REFRESH_MS = 3000;

/** What the URL says: window, 1-based page (`page`), page size (`size`). */
function readView(query: URLSearchParams) {
  const size = Number(query.get('size'));
  const page = Number(query.get('page'));
  return {
    spec: windowFromParams(query),
    size: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_SIZE,
    page: Number.isInteger(page) && page >= 1 ? page - 1 : 0,
  };
}

/** A job: its setup, its build history (table and charts over a window), run, and a link to edit it. */
export function JobPage({ jobId }: { jobId: string }) {
  const { client, quietClient } = useSignedIn();
  const { path, query } = useLocation();
  const { spec, size, page } = readView(query);
  const [tick, setTick] = useState(0);
  // `?run=1` (a job list's Run…) opens the run form at once.
  const [running, setRunning] = useState(query.get('run') === '1');
  // Closing the run form gives the focus back to Run… (disabled while the form is open).
  const runButton = useRef<HTMLButtonElement>(null);
  const closeRunForm = () => {
    setRunning(false);
    requestAnimationFrame(() => runButton.current?.focus());
  };
  // `?created=1` (the job form, after Create job) says so once: the flag leaves the URL (replaced,
  // so a reload or a shared link does not say it again), the line stays while the page is open. It
  // is set after the first render, into a status element already there, so screen readers hear it.
  const [outcome, setOutcome] = useState('');
  useEffect(() => {
    if (query.get('created') !== '1') return;
    setOutcome('Job created.');
    const q = new URLSearchParams(query);
    q.delete('created');
    const rest = q.toString();
    navigate(rest ? `${path}?${rest}` : path, { replace: true });
  }, [query, path]);

  const config = useAsync(() => client.listJobConfig({ params: { job_id: jobId } }), [client, jobId]);
  // What the person may do with the job (ShowJobInfo answers for the caller): the actions they may
  // not take are left out, as in the project's job list, rather than offered only to be refused.
  const info = useAsync(() => client.showJobInfo({ params: { job_id: jobId } }), [client, jobId]);
  const may = info.data?.result;
  // When each timer builds next (Kiln's own operation): the Setup section adds it to its schedules.
  const schedules = useAsync(
    () => quietClient.listJobSchedules({ params: { job_id: jobId } }),
    [quietClient, jobId],
  );
  const history = useRecordsPage(client, jobId, spec, page, size, tick);
  const result = history.data?.result;
  const records = result?.job_build_states ?? [];
  // The page's commit messages and authors (Kiln's own operation: the records API has none), after the rows.
  const numbers = records.map((r) => r.number).join(',');
  const messages = useAsync(async () => {
    if (numbers === '') return undefined;
    const res = await quietClient.listCommitMessages({ params: { job_id: jobId }, query: { numbers } });
    return new Map(
      res.result.commits.map((c) => [c.build_number, { message: c.commit_message, author: c.commit_author }]),
    );
  }, [quietClient, jobId, numbers]);
  const active = records.filter((r) => !isFinished(statusOf(r.job_running_status, r.state))).length;
  // Charts read again when a build appears or finishes, not on every live refresh.
  const charts = useChartRecords(
    client,
    jobId,
    spec,
    result ? `${result.total_record}:${active}` : undefined,
  );

  useEffect(() => {
    if (page !== 0 || spec.kind !== 'preset' || history.loading || active === 0) return;
    const t = setTimeout(() => setTick((n) => n + 1), LIVE_REFRESH_MS);
    return () => clearTimeout(t);
  }, [page, spec.kind, history.loading, active, history.data]);

  const go = (change: { spec?: WindowSpec; page?: number; size?: number }) => {
    const q = new URLSearchParams(query);
    if (change.spec) windowToParams(change.spec, q);
    if (change.size !== undefined) q.set('size', String(change.size));
    const nextPage = change.page ?? (change.spec || change.size !== undefined ? 0 : page);
    if (nextPage === 0) q.delete('page');
    else q.set('page', String(nextPage + 1));
    navigate(`${path}?${q.toString()}`);
  };

  const doc = config.data?.result;
  // The webhook section is for jobs that build on pushes (as the engine decides it).
  const pushes = doc !== undefined && toJobSpec(doc).pushBranches !== undefined;
  const totalPages = Number(result?.total_page ?? 0);
  const totalRecords = Number(result?.total_record ?? 0);
  const health = result ? Number(result.health_score) : undefined;
  const title = doc?.job_name ?? 'Job';
  useEffect(() => {
    document.title = `${isolated(title)} · Kiln`;
  }, [title]);

  // A job that is not there (deleted, or never was) has nothing to wait for or offer: its sections
  // would each ask for it in vain, and Run, Edit and Changes would only fail.
  if (isNotFound(config.error)) return <JobNotFound error={config.error} />;

  return (
    <main className="page job-page" aria-busy={history.loading}>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <bdi>{title}</bdi>
      </nav>
      <header className="page-header">
        <h1>
          {health !== undefined && <WeatherIcon score={health} />}{' '}
          {doc ? <bdi>{doc.job_name}</bdi> : <Spinner label="Loading job…" />}
        </h1>
        <div className="actions">
          {may?.is_execute && (
            <button
              type="button"
              className="primary"
              ref={runButton}
              onClick={() => setRunning(true)}
              disabled={!doc || running}
            >
              Run…
            </button>
          )}
          {may?.is_modify && (
            <Link className="button" href={`/jobs/${jobId}/edit`}>
              Edit job
            </Link>
          )}
          <Link className="button" href={`/jobs/${jobId}/history`}>
            Changes
          </Link>
          {doc && may?.is_copy && <CopyJob client={client} jobId={jobId} config={doc} />}
          {doc && may?.is_delete && <DeleteJob client={client} jobId={jobId} name={doc.job_name} />}
          {doc && (
            <JobGroup
              client={client}
              jobId={jobId}
              projectId={doc.project_id}
              groupId={doc.group_id ?? ''}
              movable={may?.is_modify === true}
            />
          )}
        </div>
      </header>
      <p className={outcome ? 'notice' : 'quiet-status'} role="status" data-testid="job-outcome">
        {outcome}
      </p>
      <ErrorMessage error={config.error} title="The job could not be loaded." />
      {doc && <JobPermissions client={client} jobId={jobId} projectId={doc.project_id} />}
      {running && doc && may?.is_execute && (
        <RunForm client={client} jobId={jobId} config={doc} onClose={closeRunForm} />
      )}
      {doc && (
        <JobSetup
          jobId={jobId}
          doc={doc}
          mayEdit={may?.is_modify === true}
          schedules={schedules.data?.result}
        />
      )}

      <section aria-labelledby="history-title">
        <h2 id="history-title">Build history</h2>
        <div className="toolbar">
          <WindowPicker value={spec} onChange={(s) => go({ spec: s })} />
          <label className="inline-field">
            Per page{' '}
            <select value={size} onChange={(e) => go({ size: Number(e.target.value) })}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <span className="muted" role="status" data-testid="history-summary">
            {history.loading ? (
              <Spinner label={result ? 'Updating…' : 'Loading builds…'} />
            ) : result ? (
              `${formatCountOf(totalRecords, 'build')} · ${describeWindow(spec)}`
            ) : null}
          </span>
        </div>
        <ErrorMessage error={history.error} title="The builds could not be loaded." />
        {result && records.length > 0 && (
          <HistoryTable jobId={jobId} records={records} messages={messages.data} />
        )}
        {result && records.length === 0 && !history.loading && (
          <p className="empty">
            {totalRecords === 0 ? (
              'No builds in this window.'
            ) : (
              <>
                This page is past the end.{' '}
                <Link href={`${path}?${new URLSearchParams({ ...Object.fromEntries(query), page: '1' })}`}>
                  Go to the first page
                </Link>
              </>
            )}
          </p>
        )}
        {totalPages > 1 && (
          <Pager
            page={page}
            totalPages={totalPages}
            onPage={(p) => go({ page: p })}
            label="Build history pages"
          />
        )}
      </section>
      <HistoryCharts state={charts} />
      <TestTrend client={client} jobId={jobId} />
      <JobInsights client={client} jobId={jobId} />
      {pushes && <JobWebhook client={client} jobId={jobId} />}
      <JobNotices client={client} jobId={jobId} />
      <JobBadge client={client} jobId={jobId} />
    </main>
  );
}

/** The page of a job the server does not have: why, and where a deleted job may be found. */
function JobNotFound({ error }: { error: unknown }) {
  return (
    <main className="page job-page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <span>Job</span>
      </nav>
      <h1>Job not found</h1>
      <ErrorMessage error={error} title="The job could not be loaded." />
      <p>
        A deleted job waits in the <Link href="/bin">recycle bin</Link> until it is deleted for good;
        restoring it brings back its builds.
      </p>
    </main>
  );
}
