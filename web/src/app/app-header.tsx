import { useState } from 'react';
import { Link } from '../router/router.tsx';
import { useSignedIn } from './session-context.tsx';
import { useUnread } from './unread.tsx';

/**
 * The bar on every signed-in page: home, the queue, the recycle bin, the file manager, the inbox,
 * the person's account (password, access keys), who is signed in, sign out.
 */
export function AppHeader() {
  const { session, signOut } = useSignedIn();
  const [busy, setBusy] = useState(false);
  const unread = useUnread().count;
  return (
    <header className="app-header">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <nav aria-label="Kiln" className="app-nav">
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
        <Link href="/account" className="header-link">
          Account
        </Link>
      </nav>
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
