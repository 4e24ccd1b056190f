import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import { WebhookInfo } from '../job-form/webhook-info.tsx';
import { formatLocalTime } from '../lib/format.ts';
import { Link } from '../router/router.tsx';

const OUTCOMES = { started: 'Started a build', ignored: 'Ignored', refused: 'Refused' } as const;

/**
 * A job's push webhook (for jobs with a code_update trigger): the URL and secret to give the git
 * host, and its latest deliveries with what came of each (Kiln's own list). Read when opened;
 * developers and owners only, as the API says (others see why).
 */
export function JobWebhook({ client, jobId }: { client: Kiln; jobId: string }) {
  const [open, setOpen] = useState(false);
  const [nonce, setNonce] = useState(0);
  const list = useAsync(
    async () => (open ? client.listJobWebhookDeliveries({ params: { job_id: jobId } }) : undefined),
    [client, jobId, open, nonce],
  );
  const deliveries = list.data?.result.deliveries;
  return (
    <details className="job-webhook" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Webhook</summary>
      {open && <WebhookInfo client={client} jobId={jobId} />}
      <div className="toolbar">
        <h3>Recent deliveries</h3>
        <button type="button" onClick={() => setNonce((n) => n + 1)} disabled={list.loading}>
          Reload
        </button>
        {list.loading && <Spinner label="Reading the deliveries…" />}
      </div>
      <ErrorMessage error={list.error} title="The deliveries could not be loaded." />
      {deliveries && deliveries.length === 0 && (
        <p className="empty">
          No delivery yet. Give the git host the URL and secret above (docs/webhooks.md says where).
        </p>
      )}
      {deliveries && deliveries.length > 0 && (
        <table className="responsive" data-testid="webhook-deliveries">
          <caption className="visually-hidden">The latest deliveries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">From</th>
              <th scope="col">Outcome</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d, i) => (
              <tr key={`${d.received_at}-${i}`} data-outcome={d.outcome}>
                <td data-label="Received">{formatLocalTime(d.received_at)}</td>
                <td data-label="From" title={d.delivery && `delivery ${d.delivery}`}>
                  {[d.sender, d.event].filter(Boolean).join(' ') || 'unknown sender'}
                </td>
                <td data-label="Outcome">
                  {OUTCOMES[d.outcome]} ({d.status}
                  {d.error_code && ` ${d.error_code}`})
                  {d.build_number !== null && (
                    <>
                      {' '}
                      <Link href={`/jobs/${jobId}/builds/${d.build_number}`}>#{d.build_number}</Link>
                    </>
                  )}
                </td>
                <td data-label="Why">{d.reason || '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
