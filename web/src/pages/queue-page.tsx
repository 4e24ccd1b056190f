import { useEffect, useState } from 'react';
import { useAsync } from '../app/use-async.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import type { ResponseOf } from '../../../src/contract/operation-types.ts';
import { formatDuration } from '../../../src/domain/duration.ts';
import { placeText } from '../../../src/domain/place-text.ts';
import { formatLocalTime } from '../lib/format.ts';
import { triggerMeaning } from '../lib/triggers.ts';
import { QueueStop } from '../queue/queue-stop.tsx';
import { Link } from '../router/router.tsx';

type Queued = ResponseOf<'showQueue'>['result']['builds'][number];

/** What started a build, and who. */
function TriggerCell({ build }: { build: Queued }) {
  return (
    <td data-label="Trigger" title={triggerMeaning(build.trigger_type)}>
      {build.trigger_type} by {build.executor}
    </td>
  );
}

/** How often the queue is read again while the page is open. */
const POLL_MS = 3000;

/**
 * The queue (Kiln's GET /v1/kiln/queue): the builds runners have, with their runner and how long
 * they have run, then the builds waiting for a runner, in the order they are served, with what
 * they wait for. Only the jobs the person may see; read again every few seconds. Stop is offered on
 * the builds of the jobs the person may run (the queue's is_execute), as on the build page: a
 * viewer sees the queue without it rather than a button that is only refused.
 */
export function QueuePage() {
  const { client, quietClient } = useSignedIn();
  const [tick, setTick] = useState(0);
  const queue = useAsync(() => quietClient.showQueue({}), [quietClient, tick]);
  useEffect(() => {
    document.title = 'Queue · Kiln';
    const timer = setInterval(() => setTick((t) => t + 1), POLL_MS);
    return () => clearInterval(timer);
  }, []);
  const builds = queue.data?.result.builds;
  const now = Date.now();
  const taken = builds?.filter((b) => b.position === 0) ?? [];
  const waiting = builds?.filter((b) => b.position > 0) ?? [];
  // Stop: read the queue again at once, so a stopped build that has left it goes. The cell stays
  // (empty) where the person may not stop the build, so the columns line up.
  const stop = (b: Queued) => (
    <td data-label="Stop">
      {b.is_execute && (
        <QueueStop
          client={client}
          jobId={b.job_id}
          buildNo={b.build_number}
          label={`${b.job_name} #${b.build_number}`}
          onStopped={() => setTick((t) => t + 1)}
        />
      )}
    </td>
  );
  const link = (b: Queued) => (
    <Link href={`/jobs/${b.job_id}/builds/${b.build_number}`}>
      <bdi>{b.job_name}</bdi> #{b.build_number}
    </Link>
  );
  return (
    <main className="page queue-page" aria-busy={queue.loading && !builds}>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <span>Queue</span>
      </nav>
      <h1>Queue {queue.loading && !builds && <Spinner label="Reading the queue…" />}</h1>
      <ErrorMessage error={queue.error} title="The queue could not be read." />
      <section aria-labelledby="running-title">
        <h2 id="running-title">On runners ({taken.length})</h2>
        {builds && taken.length === 0 && <p className="empty">No build is running.</p>}
        {taken.length > 0 && (
          <table className="responsive" data-testid="queue-running">
            <thead>
              <tr>
                <th scope="col">Build</th>
                <th scope="col">Runner</th>
                <th scope="col">Running for</th>
                <th scope="col">Trigger</th>
                <th scope="col">
                  <span className="visually-hidden">Stop</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {taken.map((b) => (
                <tr key={`${b.job_id}-${b.build_number}`} data-status={b.status}>
                  <th scope="row" data-label="Build">
                    {link(b)}
                  </th>
                  <td data-label="Runner">{b.runner || 'a runner no longer registered'}</td>
                  <td data-label="Running for">
                    {b.status === 'running' ? formatDuration(Math.max(0, now - b.started_at)) : 'starting'}
                  </td>
                  <TriggerCell build={b} />
                  {stop(b)}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="waiting-title">
        <h2 id="waiting-title">Waiting for a runner ({waiting.length})</h2>
        {builds && waiting.length === 0 && <p className="empty">Nothing is waiting.</p>}
        {waiting.length > 0 && (
          <table className="responsive" data-testid="queue-waiting">
            <caption className="visually-hidden">
              In the order runners take them (the claim takes turns between projects)
            </caption>
            <thead>
              <tr>
                <th scope="col">Place</th>
                <th scope="col">Build</th>
                <th scope="col">Waiting for</th>
                <th scope="col">Since</th>
                <th scope="col">Trigger</th>
                <th scope="col">
                  <span className="visually-hidden">Stop</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {waiting.map((b) => (
                <tr key={`${b.job_id}-${b.build_number}`}>
                  <td data-label="Place">{b.position}</td>
                  <th scope="row" data-label="Build">
                    {link(b)}
                  </th>
                  <td data-label="Waiting for">{placeText({ arch: b.needs_arch, pool: b.needs_pool })}</td>
                  <td data-label="Since" title={formatLocalTime(b.queued_at)}>
                    {formatDuration(Math.max(0, now - b.queued_at))}
                  </td>
                  <TriggerCell build={b} />
                  {stop(b)}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
