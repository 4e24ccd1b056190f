import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';

/** The job's push webhook: the URL to give the git host and the secret it signs with. */
export function WebhookInfo({ client, jobId }: { client: Kiln; jobId: string }) {
  const hook = useAsync(() => client.showJobWebhook({ params: { job_id: jobId } }), [client, jobId]);
  const [reveal, setReveal] = useState(false);
  if (hook.loading && !hook.data) return <Spinner label="Loading the webhook…" />;
  if (hook.error) return <ErrorMessage error={hook.error} title="The webhook could not be loaded." />;
  const w = hook.data?.result;
  if (!w) return null;
  return (
    <div className="webhook" data-testid="webhook">
      <p className="hint">
        Add this webhook to the repository (push events); a push to a matching branch starts a build.
      </p>
      <label className="field">
        Webhook URL
        <input readOnly value={w.url} onFocus={(e) => e.target.select()} />
      </label>
      <label className="field">
        Secret
        <span className="with-button">
          <input
            readOnly
            type={reveal ? 'text' : 'password'}
            value={w.secret}
            onFocus={(e) => e.target.select()}
          />
          <button type="button" onClick={() => setReveal(!reveal)} aria-pressed={reveal}>
            {reveal ? 'Hide' : 'Show'}
          </button>
        </span>
      </label>
    </div>
  );
}
