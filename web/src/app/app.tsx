import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { clearSession, loadSession, saveSession, sessionClient, type Session } from '../api/session.ts';
import { setServerTimeZone } from '../lib/server-time.ts';
import { ActivityBar } from '../components/activity-bar.tsx';
import { SignInPage } from '../pages/sign-in-page.tsx';
import { RouterProvider } from '../router/router.tsx';
import { AppHeader } from './app-header.tsx';
import { Routes } from './routes.tsx';
import { SessionContext, type SignedIn } from './session-context.tsx';
import { UnreadProvider } from './unread.tsx';

const EXPIRED = 'Your session expired. Sign in again to go on where you were.';
const SIGNED_OUT = 'You signed out.';

/**
 * The dashboard: the sign-in page until there is a session, then the pages. The URL is kept
 * across sign-in, so a shared link or an expired session lands back on the same page.
 */
export function App() {
  const initial = useRef(loadSession());
  const [session, setSession] = useState<Session | undefined>(initial.current.session);
  const [notice, setNotice] = useState<string | undefined>(initial.current.expired ? EXPIRED : undefined);

  const expire = useCallback(() => {
    clearSession();
    setSession(undefined);
    setNotice(EXPIRED);
  }, []);

  // The token's own end: go back to sign-in then, without waiting for a request to fail.
  useEffect(() => {
    if (!session) return;
    const left = Date.parse(session.expiresAt) - Date.now();
    if (!(left < 2 ** 31 - 1)) return;
    const t = setTimeout(expire, Math.max(0, left));
    return () => clearTimeout(t);
  }, [session, expire]);

  const signedIn = useMemo<SignedIn | null>(() => {
    if (!session) return null;
    const client = sessionClient(session.token, expire);
    return {
      client,
      quietClient: sessionClient(session.token, expire, { quiet: true }),
      session,
      async signOut() {
        try {
          await client.keystoneRevokeToken({ headers: { 'x-subject-token': session.token } });
        } catch {
          // Signing out always forgets the token here; an already dead token needs no revoking.
        }
        clearSession();
        setSession(undefined);
        setNotice(SIGNED_OUT);
      },
    };
  }, [session, expire]);

  // Windows are sent in the server's time zone: learn it before showing a page.
  const [zoneKnown, setZoneKnown] = useState(false);
  useEffect(() => {
    if (!signedIn) return;
    let live = true;
    signedIn.client
      .showServerInfo()
      .then((info) => setServerTimeZone(info.result.time_zone))
      .catch(() => undefined)
      .finally(() => live && setZoneKnown(true));
    return () => {
      live = false;
    };
  }, [signedIn]);

  const onSignedIn = (s: Session) => {
    saveSession(s);
    setNotice(undefined);
    setSession(s);
  };

  return (
    <RouterProvider>
      <ActivityBar />
      {signedIn ? (
        <SessionContext.Provider value={signedIn}>
          <UnreadProvider>
            <AppHeader />
            <div id="content">{zoneKnown ? <Routes /> : <p role="status">Loading…</p>}</div>
          </UnreadProvider>
        </SessionContext.Provider>
      ) : (
        <SignInPage notice={notice} onSignedIn={onSignedIn} />
      )}
    </RouterProvider>
  );
}
