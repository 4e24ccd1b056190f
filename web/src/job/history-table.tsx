import type { BuildInfoRecord } from '../../../src/contract/records.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { statusOf } from '../lib/build-status.ts';
import { formatDuration } from '../../../src/domain/duration.ts';
import { formatLocalTime, shortCommit } from '../lib/format.ts';
import { Link } from '../router/router.tsx';
import { triggerMeaning } from '../lib/triggers.ts';

function duration(r: BuildInfoRecord): string {
  const s = statusOf(r.job_running_status, r.state);
  if (s === 'queued') return 'waiting';
  if (s === 'running') return `${formatDuration(r.build_time)} so far`;
  return formatDuration(r.build_time);
}

/**
 * One page of build history, newest first. On a narrow screen each row becomes a card
 * (the CSS shows each cell's `data-label`).
 */
export function HistoryTable({
  jobId,
  records,
  messages,
}: {
  jobId: string;
  records: readonly BuildInfoRecord[];
  /** Each build's commit message and author, when read. */
  messages?: ReadonlyMap<number, { message: string; author: string }>;
}) {
  return (
    <table className="history-table responsive">
      <caption className="visually-hidden">Builds, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Build</th>
          <th scope="col">Daily no.</th>
          <th scope="col">State</th>
          <th scope="col">Trigger</th>
          <th scope="col">Executor</th>
          <th scope="col">Branch</th>
          <th scope="col">Commit</th>
          <th scope="col">Triggered</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => (
          <tr key={r.number} data-build={r.number}>
            <th scope="row" data-label="Build">
              <Link href={`/jobs/${jobId}/builds/${r.number}`}>#{r.number}</Link>
            </th>
            <td data-label="Daily no.">{r.daily_build_number}</td>
            <td data-label="State">
              <StatusBadge status={statusOf(r.job_running_status, r.state)} />
            </td>
            <td data-label="Trigger" title={triggerMeaning(r.trigger_type)}>
              {r.trigger_type}
            </td>
            <td data-label="Executor" title={r.nickname}>
              {r.executor}
            </td>
            <td data-label="Branch">
              {r.build_type === 'tag' ? <span>tag {r.code_branch}</span> : r.code_branch}
            </td>
            <td data-label="Commit">
              {r.commit_id === '' ? (
                '–'
              ) : r.commit_detail_url ? (
                <a href={r.commit_detail_url} target="_blank" rel="noreferrer" title={r.commit_id}>
                  <code>{shortCommit(r.commit_id)}</code>
                </a>
              ) : (
                <code title={r.commit_id}>{shortCommit(r.commit_id)}</code>
              )}
              <CommitText commit={messages?.get(r.number)} />
            </td>
            <td data-label="Triggered">
              <time dateTime={new Date(r.start_time).toISOString()}>{formatLocalTime(r.start_time)}</time>
            </td>
            <td data-label="Duration">{duration(r)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A commit's message, then its author, each on one line cut with an ellipsis (the whole in a tooltip). */
function CommitText({ commit }: { commit: { message: string; author: string } | undefined }) {
  if (!commit) return null;
  return (
    <>
      {commit.message && (
        <span className="commit-message" title={commit.message}>
          {commit.message}
        </span>
      )}
      {commit.author && (
        <span className="commit-author" title={`by ${commit.author}`}>
          {commit.author}
        </span>
      )}
    </>
  );
}
