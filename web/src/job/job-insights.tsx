import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { ResponseOf } from '../../../src/contract/operation-types.ts';
import { formatDuration } from '../../../src/domain/duration.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import { Link } from '../router/router.tsx';

const DAYS = [30, 90, 180, 366];
const ms = (v: number | null) => (v === null ? '–' : formatDuration(v));

type Answer = ResponseOf<'showJobInsights'>['result'] | ResponseOf<'showProjectInsights'>['result'];

/**
 * A job's insights (Kiln's own, docs/api-compat.md "Insights"): per week, builds, change failure
 * rate of its branch, time to restore, lead time and build times; then the flaky commits, each
 * with its builds linked. Read when opened.
 */
export function JobInsights({ client, jobId }: { client: Kiln; jobId: string }) {
  return (
    <Insights
      load={(days) => client.showJobInsights({ params: { job_id: jobId }, query: { days } })}
      deps={[client, jobId]}
    />
  );
}

/** A project's insights: its jobs the person may view, taken together (each job's branch). */
export function ProjectInsights({ client, projectId }: { client: Kiln; projectId: string }) {
  return (
    <Insights
      load={(days) => client.showProjectInsights({ params: { project_id: projectId }, query: { days } })}
      deps={[client, projectId]}
    />
  );
}

function Insights({ load, deps }: { load: (days: number) => Promise<{ result: Answer }>; deps: unknown[] }) {
  const [open, setOpen] = useState(false);
  const [days, setDays] = useState(90);
  const data = useAsync(async () => (open ? load(days) : undefined), [...deps, open, days]);
  const result = data.data?.result;
  return (
    <details className="job-insights" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Insights</summary>
      <div className="toolbar">
        <label className="inline-field">
          Last{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {DAYS.map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
        </label>
        {data.loading && <Spinner label="Reading the history…" />}
      </div>
      <ErrorMessage error={data.error} title="The insights could not be loaded." />
      {result && (
        <>
          {!result.complete && (
            <p className="muted">
              Only the latest {result.builds_read.toLocaleString()} builds of the window were read: its first
              weeks count fewer than they had.
            </p>
          )}
          <table className="responsive">
            <caption>
              By week; failure rate, time to restore and lead time of{' '}
              {'default_branch' in result
                ? result.default_branch || 'every branch'
                : `each job's branch (${result.jobs} job${result.jobs === 1 ? '' : 's'})`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Week of</th>
                <th scope="col">Builds</th>
                <th scope="col">Failure rate</th>
                <th scope="col">Time to restore</th>
                <th scope="col">Lead time</th>
                <th scope="col">Build time p50</th>
                <th scope="col">p90</th>
              </tr>
            </thead>
            <tbody>
              {result.weeks.map((w) => (
                <tr key={w.week}>
                  <th scope="row">{w.week}</th>
                  <td data-label="Builds">{w.builds}</td>
                  <td data-label="Failure rate">
                    {w.default_branch_builds === 0 ? '–' : `${Math.round(w.change_failure_rate * 100)} %`}
                  </td>
                  <td data-label="Time to restore">{ms(w.time_to_restore_ms)}</td>
                  <td data-label="Lead time">{ms(w.lead_time_ms)}</td>
                  <td data-label="Build time p50">{ms(w.duration_p50_ms)}</td>
                  <td data-label="p90">{ms(w.duration_p90_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.flaky.length === 0 ? (
            <p className="empty">No flaky commit: none was built with different outcomes.</p>
          ) : (
            <ul aria-label="Flaky commits">
              {result.flaky.map((f) => {
                const jobId = 'job_id' in f ? f.job_id : 'job_id' in result ? result.job_id : '';
                return (
                  <li key={`${jobId}/${f.commit_id}`}>
                    {'job_name' in f && (
                      <>
                        <bdi>{f.job_name}</bdi>{' '}
                      </>
                    )}
                    <code>{f.commit_id.slice(0, 8)}</code>:{' '}
                    {f.builds.map((b, i) => (
                      <span key={b.build_number}>
                        {i > 0 && ', '}
                        <Link href={`/jobs/${jobId}/builds/${b.build_number}`}>#{b.build_number}</Link>{' '}
                        {b.state}
                      </span>
                    ))}
                  </li>
                );
              })}
            </ul>
          )}
          {result.stages.length > 0 && (
            <table className="responsive">
              <caption>Slowest stages of the latest builds</caption>
              <thead>
                <tr>
                  <th scope="col">Stage</th>
                  <th scope="col">Runs</th>
                  <th scope="col">p50</th>
                  <th scope="col">p90</th>
                  <th scope="col">Longest</th>
                </tr>
              </thead>
              <tbody>
                {result.stages.map((st) => (
                  <tr key={`${'job_id' in st ? st.job_id : ''}/${st.name}`}>
                    <th scope="row">
                      {'job_name' in st && (
                        <>
                          <bdi>{st.job_name}</bdi>:{' '}
                        </>
                      )}
                      <bdi>{st.name}</bdi>
                    </th>
                    <td data-label="Runs">{st.runs}</td>
                    <td data-label="p50">{ms(st.p50_ms)}</td>
                    <td data-label="p90">{ms(st.p90_ms)}</td>
                    <td data-label="Longest">{ms(st.max_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </details>
  );
}
