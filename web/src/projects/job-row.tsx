import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { JobListItem } from '../../../src/contract/jobs.ts';
import { useAsync } from '../app/use-async.ts';
import { FavouriteToggle } from '../components/favourite-toggle.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { WeatherIcon } from '../components/weather-icon.tsx';
import { statusOfBall } from '../lib/build-status.ts';
import { formatAgo, formatLocalTime } from '../lib/format.ts';
import { serverDate } from '../lib/server-time.ts';
import { Link } from '../router/router.tsx';

const DAY_MS = 86_400_000;

/** Success ratio of the last 7 days (today and the 6 before, server calendar). */
function SuccessRatio({ client, jobId }: { client: Kiln; jobId: string }) {
  const now = Date.now();
  const ratio = useAsync(
    () =>
      client.showJobSuccessRatio({
        params: { job_id: jobId },
        query: { start_time: serverDate(now - 6 * DAY_MS), end_time: serverDate(now) },
      }),
    [client, jobId],
  );
  if (ratio.error) return <span className="muted">–</span>;
  if (!ratio.data)
    return (
      <span className="muted" aria-label="loading">
        …
      </span>
    );
  const { success_count, total_count, success_ratio } = ratio.data;
  // Aborted builds count neither way (docs/api-compat.md): a job only stopped shows no ratio.
  if (total_count === 0)
    return (
      <span className="muted" title="No build ended SUCCESS, FAILURE or timeout (aborted ones do not count)">
        no outcome
      </span>
    );
  return (
    <span title={`${success_count} of ${total_count} builds succeeded (aborted ones do not count)`}>
      {Math.round(success_ratio * 100)} %{' '}
      <span className="muted">
        ({success_count}/{total_count})
      </span>
    </span>
  );
}

/** One job of a project's list. */
export function JobRow({ client, job }: { client: Kiln; job: JobListItem }) {
  return (
    <tr data-job={job.id}>
      <td data-label="Health">
        <WeatherIcon score={job.health_score} />
      </td>
      <th scope="row" data-label="Job">
        <FavouriteToggle client={client} jobId={job.id} name={job.job_name} favourite={job.favorite} />{' '}
        <Link href={`/jobs/${job.id}`}>
          <bdi>{job.job_name}</bdi>
        </Link>
        {job.disabled && <span className="badge badge-none">disabled</span>}
      </th>
      <td data-label="Last build">
        <StatusBadge status={statusOfBall(job.last_build_status)} />{' '}
        {job.last_build_time > 0 && (
          <time
            className="muted"
            dateTime={new Date(job.last_build_time).toISOString()}
            title={formatLocalTime(job.last_build_time)}
          >
            {formatAgo(job.last_build_time)}
          </time>
        )}
      </td>
      <td data-label="Success, 7 days">
        <SuccessRatio client={client} jobId={job.id} />
      </td>
      <td data-label="Actions">
        {job.is_execute && !job.disabled && (
          <>
            <Link href={`/jobs/${job.id}?run=1`} aria-label={`Run ${job.job_name}…`}>
              Run…
            </Link>{' '}
          </>
        )}
        {job.is_modify && (
          <Link href={`/jobs/${job.id}/edit`} aria-label={`Edit ${job.job_name}`}>
            Edit
          </Link>
        )}
      </td>
    </tr>
  );
}
