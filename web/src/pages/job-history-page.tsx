import { useEffect, useState } from 'react';
import { useSignedIn } from '../app/session-context.tsx';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Pager } from '../components/pager.tsx';
import { Spinner } from '../components/spinner.tsx';
import { formatLocalTime, isolated } from '../lib/format.ts';
import { sideBySide, type DiffCell } from '../lib/side-by-side.ts';
import { Link } from '../router/router.tsx';

const PAGE_SIZE = 20;
const CHANGE_WORDS: Record<string, string> = {
  CREATE: 'created',
  UPDATE: 'changed',
  DISABLE: 'disabled',
  ENABLE: 'enabled',
  DELETE: 'deleted',
  RESTORE: 'restored',
};

function Cell({ cell }: { cell: DiffCell | undefined }) {
  if (!cell) return <td className="diff-empty" colSpan={2} />;
  return (
    <>
      <td className="diff-line-no">{cell.line}</td>
      <td className={`diff-${cell.kind}`}>
        <code>{cell.text}</code>
      </td>
    </>
  );
}

/** The difference of two versions, old on the left and new on the right. */
function SideBySide({ jobId, from, to }: { jobId: string; from: number; to: number }) {
  const { client } = useSignedIn();
  const diff = useAsync(
    () =>
      client.showJobConfigDiff({ params: { job_id: jobId }, query: { original_no: from, revisedl_no: to } }),
    [client, jobId, from, to],
  );
  const rows = diff.data ? sideBySide(diff.data.result) : [];
  return (
    <section aria-labelledby="diff-title">
      <h2 id="diff-title">
        Version {from} → version {to}
      </h2>
      <ErrorMessage error={diff.error} title="The difference could not be loaded." />
      {diff.loading && !diff.data && <Spinner label="Comparing…" />}
      {diff.data && rows.length === 0 && <p className="empty">The configuration is the same in both.</p>}
      {rows.length > 0 && (
        <table className="side-by-side">
          <caption className="visually-hidden">
            Changes from version {from} to version {to}
          </caption>
          <colgroup>
            <col className="diff-line-no-col" />
            <col />
            <col className="diff-line-no-col" />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th scope="col" colSpan={2}>
                Version {from}
              </th>
              <th scope="col" colSpan={2}>
                Version {to}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) =>
              row.hunk ? (
                <tr key={i} className="diff-hunk">
                  <td colSpan={4}>{row.hunk}</td>
                </tr>
              ) : (
                <tr key={i}>
                  <Cell cell={row.left} />
                  <Cell cell={row.right} />
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * A job's history of changes: who changed what and when, and the difference between any two
 * versions side by side (by default the latest change against the one before).
 */
export function JobHistoryPage({ jobId }: { jobId: string }) {
  const { client } = useSignedIn();
  const [page, setPage] = useState(0);
  const [picked, setPicked] = useState<{ from: number; to: number } | undefined>();
  const config = useAsync(() => client.listJobConfig({ params: { job_id: jobId } }), [client, jobId]);
  const history = useAsync(
    () =>
      client.listUpdateJobHistory({
        params: { job_id: jobId },
        query: { page_no: page + 1, page_size: PAGE_SIZE },
      }),
    [client, jobId, page],
  );
  const name = config.data?.result.job_name ?? 'Job';
  useEffect(() => {
    document.title = `Changes of ${isolated(name)} · Kiln`;
  }, [name]);

  const result = history.data?.result;
  const records = result?.job_update_records ?? [];
  const latest = result && result.total > 0 ? result.total : undefined;
  // One version has nothing to compare with: no compare buttons, and a line saying why.
  const comparable = latest !== undefined && latest > 1;
  const shown = picked ?? (comparable ? { from: latest - 1, to: latest } : undefined);
  const pick = (side: 'from' | 'to', n: number) => {
    const next = { ...(shown ?? { from: n, to: n }), [side]: n };
    setPicked(next);
  };
  return (
    <main className="page job-history-page" aria-busy={history.loading}>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span>{' '}
        <Link href={`/jobs/${jobId}`}>
          <bdi>{name}</bdi>
        </Link>{' '}
        <span aria-hidden="true">/</span> <span>Changes</span>
      </nav>
      <header className="page-header">
        <h1>
          Changes of <bdi>{name}</bdi>
        </h1>
      </header>
      <ErrorMessage error={history.error} title="The history could not be loaded." />
      {history.loading && !history.data && <Spinner label="Loading the history…" />}
      {records.length > 0 && (
        <table className="changes-table responsive">
          <caption className="visually-hidden">Changes, the latest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Change</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              {comparable && (
                <>
                  <th scope="col">Compare from</th>
                  <th scope="col">to</th>
                </>
              )}
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.update_number}>
                <th scope="row" data-label="Version">
                  {r.update_number}
                </th>
                <td data-label="Change">{CHANGE_WORDS[r.update_type] ?? r.update_type}</td>
                <td data-label="By" title={r.user_name}>
                  {r.nick_name || r.user_name}
                </td>
                <td data-label="When">{formatLocalTime(r.update_at)}</td>
                {(comparable ? (['from', 'to'] as const) : []).map((side) => (
                  <td key={side} data-label={side === 'from' ? 'Compare from' : 'to'}>
                    <input
                      type="radio"
                      name={side}
                      aria-label={`Compare ${side} version ${r.update_number}`}
                      checked={shown?.[side] === r.update_number}
                      onChange={() => pick(side, r.update_number)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result && result.total > PAGE_SIZE && (
        <Pager
          page={page}
          totalPages={Math.ceil(result.total / PAGE_SIZE)}
          onPage={setPage}
          label="Pages of changes"
        />
      )}
      {latest === 1 && (
        <p className="empty">
          The job has one version, the one it was created as: there is nothing to compare until it is changed.
          Its configuration is under Setup on the <Link href={`/jobs/${jobId}`}>job page</Link>.
        </p>
      )}
      {shown && <SideBySide jobId={jobId} from={shown.from} to={shown.to} />}
    </main>
  );
}
