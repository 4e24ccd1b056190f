import { useEffect, useState } from 'react';
import { useAsync } from '../app/use-async.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { useUnread } from '../app/unread.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { Pager, usePage } from '../components/pager.tsx';
import { Spinner } from '../components/spinner.tsx';
import { formatLocalTime } from '../lib/format.ts';
import { Link } from '../router/router.tsx';

const PAGE_SIZE = 20;

/**
 * The person's inbox (the MESSAGE channel, docs/notifications.md): their notifications, newest
 * first, a page at a time, unread ones marked, each linking to its build or job; "Mark all read";
 * and where their notification mail goes.
 */
export function InboxPage() {
  const { client } = useSignedIn();
  const { reread } = useUnread();
  const [nonce, setNonce] = useState(0);
  const [unreadOnly, setUnreadOnly] = useState(false);
  // Marking read shrinks the "Unread only" list: usePage moves off a page left past its end.
  const { page, setPage, pagesOf } = usePage(PAGE_SIZE, String(unreadOnly));
  const inbox = useAsync(
    () =>
      client.listInbox({
        query: {
          offset: page * PAGE_SIZE,
          limit: PAGE_SIZE,
          ...(unreadOnly && { unread_only: 'true' as const }),
        },
      }),
    [client, nonce, unreadOnly, page],
  );
  const mine = useAsync(() => client.showMyNotifications({}), [client, nonce]);
  const [email, setEmail] = useState<string | undefined>(undefined);
  const [failed, setFailed] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    document.title = 'Inbox · Kiln';
  }, []);
  const act = async (what: () => Promise<unknown>) => {
    setFailed(undefined);
    setSaved(false);
    try {
      await what();
      setNonce((n) => n + 1);
      // The header's "Inbox (N)" beside this page counts the same messages.
      reread();
      return true;
    } catch (error) {
      setFailed(error);
      return false;
    }
  };
  const result = inbox.data?.result;
  const totalPages = pagesOf(result?.total);
  const shownEmail = email ?? mine.data?.result.email ?? '';
  return (
    <main className="page inbox-page" aria-busy={inbox.loading && !result}>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <span>Inbox</span>
      </nav>
      <h1>
        Inbox {result && <span data-testid="inbox-unread">({result.unread} unread)</span>}{' '}
        {inbox.loading && !result && <Spinner label="Reading the inbox…" />}
      </h1>
      <ErrorMessage error={inbox.error} title="The inbox could not be read." />
      <ErrorMessage error={failed} title="That did not work." />
      <p className="actions">
        <label className="checkbox">
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />{' '}
          Unread only
        </label>{' '}
        <button
          type="button"
          disabled={!result || result.unread === 0}
          onClick={() => void act(() => client.markInboxRead({ body: {} }))}
        >
          Mark all read
        </button>
      </p>
      {result?.total === 0 && (
        <p className="empty">
          Nothing here. A job’s notifications come here when its Inbox channel is on and you created or watch
          the job (the job page’s Notifications section).
        </p>
      )}
      {result && result.messages.length > 0 && (
        <ul className="inbox" data-testid="inbox">
          {result.messages.map((m) => (
            <li key={m.id} className={m.read ? 'read' : 'unread'} data-read={m.read}>
              <Link href={new URL(m.url, window.location.origin).pathname}>{m.title}</Link>{' '}
              <span className="when">{formatLocalTime(m.created_at)}</span>{' '}
              {!m.read && (
                <button
                  type="button"
                  onClick={() => void act(() => client.markInboxRead({ body: { ids: [m.id] } }))}
                >
                  Mark read
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {totalPages > 1 && (
        <Pager page={page} totalPages={totalPages} onPage={setPage} label="Pages of the inbox" />
      )}
      <h2>Mail</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act(() =>
            client.updateMyNotifications({
              body: { email: shownEmail.trim() === '' ? null : shownEmail.trim() },
            }),
          ).then((ok) => {
            setSaved(ok);
            setEmail(undefined);
          });
        }}
      >
        <label className="field">
          Where my notification mail goes (empty: nowhere)
          <input
            type="email"
            value={shownEmail}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="my-email"
          />
        </label>
        <button type="submit">Save</button> {saved && <span role="status">Saved.</span>}
      </form>
    </main>
  );
}
