import { useEffect, useState } from 'react';
import { Link, useLocation } from '../router/router.tsx';
import { useSignedIn } from './session-context.tsx';

/** How often the unread count is read again. */
const UNREAD_POLL_MS = 30_000;

/** How many notifications in the person's inbox are unread: read at each page and every 30 s. */
function useUnread(): number | undefined {
  const { quietClient } = useSignedIn();
  const { path } = useLocation();
  const [unread, setUnread] = useState<number | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const read = () =>
      quietClient.showMyNotifications({}).then(
        (r) => live && setUnread(r.result.unread),
        () => {},
      );
    void read();
    const timer = setInterval(read, UNREAD_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [quietClient, path]);
  return unread;
}

/** The bar on every signed-in page: home, the queue, the recycle bin, the file manager, the inbox, who is signed in, sign out. */
export function AppHeader() {
  const { session, signOut } = useSignedIn();
  const [busy, setBusy] = useState(false);
  const unread = useUnread();
  return (
    <header className="app-header">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <Link href="/" className="brand">
        <span className="brand-mark" aria-hidden="true" /> Kiln
      </Link>
      <Link href="/queue" className="header-link">
        Queue
      </Link>
      <Link href="/bin" className="header-link">
        Recycle bin
      </Link>
      <Link href="/files" className="header-link">
        Files
      </Link>
      <Link href="/inbox" className="header-link">
        Inbox
        {unread ? (
          <span className="unread-count" data-testid="header-unread">
            {' '}
            ({unread})
          </span>
        ) : null}
      </Link>
      <span className="user" title={`Domain ${session.domainName}`}>
        {session.userName}
      </span>
      <button
        type="button"
        onClick={() => {
          setBusy(true);
          void signOut();
        }}
        disabled={busy}
      >
        {busy ? 'Signing out…' : 'Sign out'}
      </button>
    </header>
  );
}
