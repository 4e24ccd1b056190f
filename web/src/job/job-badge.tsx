import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';

/**
 * A job's status badge (Kiln's badge.svg): whether it is on, a button to turn it on or off (the API
 * lets only those who may manage the job's permissions; others see why), and when on, the badge
 * and the Markdown and HTML that show it in a README. Read when opened.
 */
export function JobBadge({ client, jobId }: { client: Kiln; jobId: string }) {
  const [open, setOpen] = useState(false);
  const [nonce, setNonce] = useState(0);
  const [saving, setSaving] = useState(false);
  const [failed, setFailed] = useState<unknown>(undefined);
  const info = useAsync(
    async () => (open ? client.showJobBadge({ params: { job_id: jobId } }) : undefined),
    [client, jobId, open, nonce],
  );
  const badge = info.data?.result;
  const turn = async (enabled: boolean) => {
    setSaving(true);
    setFailed(undefined);
    try {
      await client.updateJobBadge({ params: { job_id: jobId }, body: { enabled } });
      setNonce((n) => n + 1);
    } catch (error) {
      setFailed(error);
    } finally {
      setSaving(false);
    }
  };
  const origin = window.location.origin;
  const image = badge ? `${origin}${badge.path}` : '';
  const page = `${origin}/jobs/${jobId}`;
  return (
    <details className="job-badge" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Status badge</summary>
      {info.loading && <Spinner label="Reading the badge…" />}
      <ErrorMessage error={info.error} title="The badge could not be read." />
      {badge && (
        <>
          <p>
            {badge.enabled
              ? 'On: anyone with the link sees the outcome of the newest build of the job’s branch (add ?branch= for another).'
              : 'Off: the badge is readable without signing in, so it stays off until someone who manages this job turns it on.'}{' '}
            <button type="button" onClick={() => turn(!badge.enabled)} disabled={saving}>
              {badge.enabled ? 'Turn off' : 'Turn on'}
            </button>
          </p>
          <ErrorMessage error={failed} title="The badge could not be changed." />
          {badge.enabled && (
            <div data-testid="badge-snippets">
              <p>
                <img src={`${badge.path}?v=${nonce}`} alt="build status" data-testid="badge-image" />
              </p>
              <label className="field">
                Markdown
                <input
                  readOnly
                  value={`[![build status](${image})](${page})`}
                  onFocus={(e) => e.target.select()}
                />
              </label>
              <label className="field">
                HTML
                <input
                  readOnly
                  value={`<a href="${page}"><img src="${image}" alt="build status"></a>`}
                  onFocus={(e) => e.target.select()}
                />
              </label>
            </div>
          )}
        </>
      )}
    </details>
  );
}
