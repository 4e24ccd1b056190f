import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  anonymousClient,
  clearSession,
  loadSession,
  saveSession,
  sessionClient,
  type Session,
} from '../api/session.ts';
import { isUnauthorized } from '../api/errors.ts';
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
const PASSWORD_CHANGED = 'Your password was changed. Sign in with the new one.';

/**
 * The dashboard: the sign-in page until there is a session, then the pages. The URL is kept
 * across sign-in, so a shared link or an expired session lands back on the same page.
 */
export function App() {
  const initial = useRef(loadSession());
  const [session, setSession] = useState<Session | undefined>(initial.current.session);
  const [notice, setNotice] = useState<string | undefined>(initial.current.expired ? EXPIRED : undefined);
  // Read by the 401 handler, which outlives renders: the token in use now, and one being replaced.
  const current = useRef(session);
  const replacing = useRef<string | undefined>(undefined);

  const adopt = useCallback((next: Session | undefined, why?: string) => {
    if (next) saveSession(next);
    else clearSession();
    current.current = next;
    setSession(next);
    setNotice(why);
  }, []);

  // A 401 speaks for the token it was sent with: not for one replaced since (a password change
  // signs in anew), nor for the one a password change has just revoked while the new one comes.
  const expire = useCallback(
    (token: string) => {
      if (current.current?.token !== token || replacing.current === token) return;
      adopt(undefined, EXPIRED);
    },
    [adopt],
  );

  // The token's own end: go back to sign-in then, without waiting for a request to fail.
  useEffect(() => {
    if (!session) return;
    const left = Date.parse(session.expiresAt) - Date.now();
    if (!(left < 2 ** 31 - 1)) return;
    const t = setTimeout(() => expire(session.token), Math.max(0, left));
    return () => clearTimeout(t);
  }, [session, expire]);

  const signedIn = useMemo<SignedIn | null>(() => {
    if (!session) return null;
    const client = sessionClient(session.token, () => expire(session.token));
    return {
      client,
      quietClient: sessionClient(session.token, () => expire(session.token), { quiet: true }),
      session,
      async signOut() {
        try {
          await client.keystoneRevokeToken({ headers: { 'x-subject-token': session.token } });
        } catch {
          // Signing out always forgets the token here; an already dead token needs no revoking.
        }
        adopt(undefined, SIGNED_OUT);
      },
      async changePassword(oldPassword, newPassword) {
        // The change revokes every token of the person, this one too: its 401s from then until
        // the new token is in are expected, not an expired session.
        replacing.current = session.token;
        try {
          await client.changeOwnPassword({
            body: { old_password: oldPassword, new_password: newPassword },
          });
        } catch (error) {
          // Not changed: the token is as good (or as dead) as before.
          replacing.current = undefined;
          if (isUnauthorized(error)) expire(session.token);
          throw error;
        }
        try {
          const res = await anonymousClient().login({
            name: session.userName,
            password: newPassword,
            domain: session.domainName.trim() || 'default',
          });
          adopt({ ...session, token: res.token, expiresAt: res.expiresAt });
          return true;
        } catch {
          // Without a new token this tab cannot go on: the sign-in form, saying why.
          adopt(undefined, PASSWORD_CHANGED);
          return false;
        } finally {
          replacing.current = undefined;
        }
      },
    };
  }, [session, expire, adopt]);

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

  const onSignedIn = (s: Session) => adopt(s);

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
