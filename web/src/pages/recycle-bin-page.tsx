import { useEffect, useState, type ReactNode } from 'react';
import type { RecyclingJob } from '../../../src/contract/recycle-bin.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Pager, usePage } from '../components/pager.tsx';
import { Spinner } from '../components/spinner.tsx';
import { formatLocalTime } from '../lib/format.ts';
import { Link } from '../router/router.tsx';

const PAGE_SIZE = 20;

/** What the last action did, said in the page's status line. */
type Outcome = { text: ReactNode; jobId?: string } | undefined;

/**
 * The recycle bin: deleted jobs of the projects the person can see. Restore brings a job back with
 * its history; "Delete for good" (owners) asks once more, then the job and its history go.
 */
export function RecycleBinPage() {
  const { client } = useSignedIn();
  // The box keeps what is typed, spaces included; the search is what it says without the outer ones.
  const [typed, setTyped] = useState('');
  const search = typed.trim();
  const { page, setPage, pagesOf } = usePage(PAGE_SIZE, search);
  const [confirming, setConfirming] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const [error, setError] = useState<unknown>();
  const bin = useAsync(
    () =>
      client.listRecyclingJob({
        query: { page_no: page + 1, page_size: PAGE_SIZE, ...(search && { search }) },
      }),
    [client, page, search],
  );
  useEffect(() => {
    document.title = 'Recycle bin · Kiln';
  }, []);

  const act = async (job: RecyclingJob, restore: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const body = { job_ids: [job.job_id] };
      if (restore) await client.restoreRecyclingJobs({ body });
      else await client.deleteRecyclingJobs({ body });
      setOutcome(
        restore
          ? {
              text: (
                <>
                  Restored <bdi>{job.job_name}</bdi>.
                </>
              ),
              jobId: job.job_id,
            }
          : {
              text: (
                <>
                  Deleted <bdi>{job.job_name}</bdi> for good.
                </>
              ),
            },
      );
      setConfirming(undefined);
      bin.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const result = bin.data?.result;
  const jobs = result?.job_list ?? [];
  const totalPages = pagesOf(result?.total);
  return (
    <main className="page recycle-bin-page" aria-busy={bin.loading}>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <span>Recycle bin</span>
      </nav>
      <header className="page-header">
        <h1>Recycle bin</h1>
        <search>
          <label className="inline-field">
            Find by name{' '}
            <input
              type="search"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder="part of a job name"
            />
          </label>
        </search>
      </header>
      {result && (
        <p className="muted">
          Deleted jobs wait here {result.keep_time} days with their builds, logs and artifacts; then they are
          deleted for good.
        </p>
      )}
      {result && (
        <KeepTimeForm
          current={result.keep_time}
          onSaved={(days) => {
            setOutcome({ text: `Deleted jobs are now kept ${days} days.` });
            bin.reload();
          }}
          onError={setError}
        />
      )}
      <p role="status" className="outcome">
        {outcome && (
          <>
            {outcome.text} {outcome.jobId && <Link href={`/jobs/${outcome.jobId}`}>Open the job</Link>}
          </>
        )}
      </p>
      <ErrorMessage error={error} title="That did not work." />
      <ErrorMessage error={bin.error} title="The recycle bin could not be loaded." />
      {bin.loading && !bin.data && <Spinner label="Loading the recycle bin…" />}
      {result?.total === 0 && (
        <p className="empty">
          {search ? `No deleted job's name contains “${search}”.` : 'The recycle bin is empty.'}
        </p>
      )}
      {jobs.length > 0 && (
        <table className="bin-table responsive">
          <caption className="visually-hidden">Deleted jobs</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Created by</th>
              <th scope="col">Deleted</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.job_id}>
                <th scope="row" data-label="Job">
                  <bdi>{job.job_name}</bdi>
                </th>
                <td data-label="Created by">{job.creator_name}</td>
                <td data-label="Deleted">{formatLocalTime(Number(job.delete_time_stamp) * 1000)}</td>
                <td className="actions">
                  {confirming === job.job_id ? (
                    <>
                      <span>
                        Delete <bdi>{job.job_name}</bdi> and its history for good?
                      </span>{' '}
                      <button
                        type="button"
                        className="danger"
                        disabled={busy}
                        onClick={() => void act(job, false)}
                      >
                        Delete for good
                      </button>{' '}
                      <button type="button" disabled={busy} onClick={() => setConfirming(undefined)}>
                        Keep it
                      </button>
                    </>
                  ) : (
                    <>
                      <button type="button" disabled={busy} onClick={() => void act(job, true)}>
                        Restore
                      </button>{' '}
                      <button type="button" disabled={busy} onClick={() => setConfirming(job.job_id)}>
                        Delete for good…
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {totalPages > 1 && (
        <Pager page={page} totalPages={totalPages} onPage={setPage} label="Pages of the bin" />
      )}
    </main>
  );
}

/** SetKeepTime: how many days the domain's deleted jobs stay (the server lets administrators only). */
function KeepTimeForm(props: { current: number; onSaved(days: number): void; onError(e: unknown): void }) {
  const { client } = useSignedIn();
  const [days, setDays] = useState(String(props.current));
  const [saving, setSaving] = useState(false);
  useEffect(() => setDays(String(props.current)), [props.current]);
  const save = async () => {
    setSaving(true);
    props.onError(undefined);
    try {
      const { result } = await client.setKeepTime({ body: { keep_time: Number(days) } });
      props.onSaved(result.keep_time);
    } catch (e) {
      props.onError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <form
      className="keep-time"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label className="inline-field">
        Keep deleted jobs{' '}
        <input
          type="number"
          min={1}
          max={3650}
          required
          value={days}
          onChange={(e) => setDays(e.target.value)}
          aria-describedby="keep-time-help"
        />{' '}
        days
      </label>{' '}
      <button type="submit" disabled={saving || days === String(props.current)}>
        Save
      </button>
      <span id="keep-time-help" className="muted">
        {' '}
        (for your whole domain; administrators only)
      </span>
    </form>
  );
}
