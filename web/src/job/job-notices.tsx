import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { ResponseOf } from '../../../src/contract/operation-types.ts';
import { NOTICE_EVENTS, type NoticeEvent } from '../../../src/domain/notices.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import { formatLocalTime } from '../lib/format.ts';

type Channel = ResponseOf<'listNotice'>['result'][number];
type Sent = ResponseOf<'listJobNotifications'>['result']['notifications'][number];

const EVENT_NAMES: Record<NoticeEvent, string> = {
  buildJobFail: 'Build failed',
  buildJobSuccess: 'Build succeeded',
  buildFixed: 'Build fixed',
  buildStillFailing: 'Still failing',
  updateConfigJob: 'Job changed',
  forbiddenJob: 'Job disabled',
  deleteJob: 'Job deleted',
};

const CHANNEL_NAMES: Record<string, string> = {
  MESSAGE: 'Inbox',
  MAIL: 'Mail',
  WEBHOOK: 'Webhook',
  SLACK: 'Slack / Mattermost',
  DING_TALK: 'DingTalk',
};

/** The channels that post to a URL, and the ones whose URL is signed with a secret. */
const WITH_URL = ['WEBHOOK', 'SLACK', 'DING_TALK'];
const WITH_SECRET = ['WEBHOOK', 'DING_TALK'];

interface Params {
  webhook_url?: string;
  secret?: string;
  only_on_change?: boolean;
}

/**
 * A job's notifications (docs/notifications.md): each channel's events and settings, saved and
 * tested one channel at a time (the API lets those who may modify the job; others see why), whether
 * the person hears of the job in their inbox and by mail, and the latest notifications with every
 * delivery attempt. Read when opened.
 */
export function JobNotices({ client, jobId }: { client: Kiln; jobId: string }) {
  const [open, setOpen] = useState(false);
  const [nonce, setNonce] = useState(0);
  const settings = useAsync(
    async () => (open ? client.listNotice({ params: { job_id: jobId } }) : undefined),
    [client, jobId, open, nonce],
  );
  const watch = useAsync(
    async () => (open ? client.showJobWatch({ params: { job_id: jobId } }) : undefined),
    [client, jobId, open, nonce],
  );
  const sent = useAsync(
    async () =>
      open ? client.listJobNotifications({ params: { job_id: jobId }, query: { limit: 20 } }) : undefined,
    [client, jobId, open, nonce],
  );
  const [failed, setFailed] = useState<unknown>(undefined);
  const watching = watch.data?.result.watching;
  const setWatching = async (on: boolean) => {
    setFailed(undefined);
    try {
      await client.updateJobWatch({ params: { job_id: jobId }, body: { watching: on } });
      setNonce((n) => n + 1);
    } catch (error) {
      setFailed(error);
    }
  };
  return (
    <details className="job-notices" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Notifications</summary>
      {settings.loading && !settings.data && <Spinner label="Reading the notification settings…" />}
      <ErrorMessage error={settings.error} title="The notification settings could not be read." />
      {watching !== undefined && (
        <p>
          <label>
            <input
              type="checkbox"
              checked={watching}
              onChange={(e) => void setWatching(e.target.checked)}
              data-testid="notice-watch"
            />{' '}
            Tell me in my inbox and by mail (the job’s creator always hears)
          </label>
        </p>
      )}
      <ErrorMessage error={failed} title="Watching could not be changed." />
      {settings.data?.result.map((channel) => (
        <ChannelForm
          key={`${channel.notice_type}-${nonce}`}
          client={client}
          jobId={jobId}
          channel={channel}
          onSaved={() => setNonce((n) => n + 1)}
        />
      ))}
      <h3>Latest notifications</h3>
      <ErrorMessage error={sent.error} title="The notifications could not be read." />
      {sent.data && sent.data.result.notifications.length === 0 && <p className="empty">None yet.</p>}
      {sent.data && sent.data.result.notifications.length > 0 && (
        <table className="notice-history" data-testid="notice-history">
          <thead>
            <tr>
              <th>When</th>
              <th>Channel</th>
              <th>What</th>
              <th>State</th>
              <th>Attempts</th>
            </tr>
          </thead>
          <tbody>
            {sent.data.result.notifications.map((n) => (
              <tr key={n.id} data-state={n.state}>
                <td data-label="When">{formatLocalTime(n.created_at)}</td>
                <td data-label="Channel">{CHANNEL_NAMES[n.notice_type] ?? n.notice_type}</td>
                <td data-label="What">{n.title}</td>
                <td data-label="State">{stateText(n)}</td>
                <td data-label="Attempts">
                  <ol className="attempts">
                    {n.attempts.map((a) => (
                      <li key={a.attempt}>
                        {formatLocalTime(a.at)}: {a.ok ? 'delivered' : 'failed'}
                        {a.status_code !== null && ` (${a.status_code})`}
                        {a.error && ` ${a.error}`} · {a.duration_ms} ms from {a.server}
                      </li>
                    ))}
                  </ol>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

function stateText(n: Sent): string {
  if (n.state === 'delivered') return 'Delivered';
  if (n.state === 'failed') return `Given up: ${n.last_error}`;
  const next = n.next_attempt_at === null ? '' : `, next attempt ${formatLocalTime(n.next_attempt_at)}`;
  return n.last_error ? `Retrying (${n.last_error}${next})` : 'Sending';
}

function parseParams(text: string | null): Params {
  if (!text) return {};
  try {
    return JSON.parse(text) as Params;
  } catch {
    return {};
  }
}

/** One channel: its events, its URL and secret where it has them, Save and Send a test. */
function ChannelForm({
  client,
  jobId,
  channel,
  onSaved,
}: {
  client: Kiln;
  jobId: string;
  channel: Channel;
  onSaved: () => void;
}) {
  const type = channel.notice_type;
  const [events, setEvents] = useState<string[]>(NOTICE_EVENTS.filter((e) => channel.enable_map[e]));
  const stored = parseParams(channel.param_config);
  const [url, setUrl] = useState(stored.webhook_url ?? '');
  const [secret, setSecret] = useState(stored.secret ?? '');
  const [onlyOnChange, setOnlyOnChange] = useState(stored.only_on_change ?? false);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<unknown>(undefined);
  const [tested, setTested] = useState<ResponseOf<'testJobNotice'>['result'] | undefined>(undefined);
  const id = `notice-${type}`;
  const params = (): string => {
    const p: Params = {};
    if (WITH_URL.includes(type) && url.trim()) p.webhook_url = url.trim();
    if (WITH_SECRET.includes(type) && secret) p.secret = secret;
    if (onlyOnChange) p.only_on_change = true;
    return JSON.stringify(p);
  };
  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setFailed(undefined);
    try {
      await what();
    } catch (error) {
      setFailed(error);
    } finally {
      setBusy(false);
    }
  };
  const save = () =>
    act(async () => {
      await client.updateNotice({
        params: { job_id: jobId },
        body: { notice_type: type, enabled_event_type_names: events, param_config: params() },
      });
      onSaved();
    });
  const test = () =>
    act(async () => {
      setTested(undefined);
      const r = await client.testJobNotice({ params: { job_id: jobId }, body: { notice_type: type } });
      setTested(r.result);
    });
  return (
    <fieldset className="notice-channel" data-testid={id}>
      <legend>{CHANNEL_NAMES[type] ?? type}</legend>
      <div className="notice-events">
        {NOTICE_EVENTS.map((e) => (
          <label key={e}>
            <input
              type="checkbox"
              checked={events.includes(e)}
              onChange={(ev) =>
                setEvents((all) => (ev.target.checked ? [...all, e] : all.filter((x) => x !== e)))
              }
            />{' '}
            {EVENT_NAMES[e]}
          </label>
        ))}
        <label title="Build failed and Build succeeded only when the outcome changed from the build before">
          <input type="checkbox" checked={onlyOnChange} onChange={(e) => setOnlyOnChange(e.target.checked)} />{' '}
          Only on change
        </label>
      </div>
      {(type === 'MAIL' || type === 'MESSAGE') && (
        <p className="hint">
          {type === 'MAIL'
            ? 'Mailed to the job’s creator and its watchers, those who gave an address on their Inbox page.'
            : 'In the Inbox of the job’s creator and its watchers.'}
        </p>
      )}
      {WITH_URL.includes(type) && (
        <label className="field">
          Webhook URL
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://…" />
        </label>
      )}
      {WITH_SECRET.includes(type) && (
        <label className="field">
          {type === 'DING_TALK' ? 'Signing secret (SEC…)' : 'Secret (signs the body: X-Kiln-Signature-256)'}
          <input
            type="password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoComplete="off"
          />
        </label>
      )}
      <p>
        <button type="button" onClick={() => void save()} disabled={busy}>
          Save
        </button>{' '}
        <button type="button" onClick={() => void test()} disabled={busy}>
          Send a test
        </button>{' '}
        {tested && (
          <span role="status" data-testid={`${id}-result`}>
            {tested.ok
              ? `Test delivered${tested.status_code !== null ? ` (${tested.status_code})` : ''}.`
              : `Test failed: ${tested.error}${tested.status_code !== null ? ` (${tested.status_code})` : ''}`}
          </span>
        )}
      </p>
      <ErrorMessage error={failed} title="The channel could not be changed." />
    </fieldset>
  );
}
