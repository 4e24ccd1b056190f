import { useEffect } from 'react';
import { useAsync } from '../app/use-async.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { AccessKeys } from '../account/access-keys.tsx';
import { ChangePassword } from '../account/change-password.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import { formatLocalTime } from '../lib/format.ts';
import { Link } from '../router/router.tsx';

/**
 * The signed-in person's own account: who they are (ShowCurrentUser), their password, and their
 * access keys (AK/SK) for the SDKs and scripts; where their notification mail goes, with a link to
 * the Inbox page that sets it.
 */
export function AccountPage() {
  const { client, session } = useSignedIn();
  const me = useAsync(() => client.showCurrentUser(), [client]);
  // Where notification mail goes is set with the inbox it belongs to; here it is only said and linked.
  const notifications = useAsync(() => client.showMyNotifications({}), [client]);
  const mail = notifications.data?.result.email;
  useEffect(() => {
    document.title = 'Account · Kiln';
  }, []);
  const user = me.data?.result;
  return (
    <main className="page account-page" aria-busy={me.loading && !user}>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <span>Account</span>
      </nav>
      <h1>Account</h1>
      <ErrorMessage error={me.error} title="Your account could not be read." />
      {me.loading && !user && <Spinner label="Loading your account…" />}
      {user && (
        <dl className="summary" data-testid="whoami">
          <div>
            <dt>User name</dt>
            <dd>
              <bdi>{user.name}</bdi>
            </dd>
          </div>
          <div>
            <dt>Display name</dt>
            <dd>
              {user.display_name ? <bdi>{user.display_name}</bdi> : <span className="muted">none</span>}
            </dd>
          </div>
          <div>
            <dt>Domain</dt>
            <dd>
              <bdi>{session.domainName}</bdi> <span className="muted">(id {user.domain_id})</span>
            </dd>
          </div>
          <div>
            <dt>Domain administrator</dt>
            <dd>{user.is_admin ? 'Yes' : 'No'}</dd>
          </div>
          <div>
            <dt>User id</dt>
            <dd>
              <code>{user.id}</code>
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatLocalTime(user.created_at)}</dd>
          </div>
        </dl>
      )}
      <section className="panel" aria-labelledby="mail-title">
        <h2 id="mail-title">Notification mail</h2>
        <p data-testid="account-mail">
          {notifications.data &&
            (mail ? (
              <>
                Your notification mail goes to <bdi>{mail}</bdi>.{' '}
              </>
            ) : (
              'Your notification mail goes nowhere. '
            ))}
          Where it goes is set on your <Link href="/inbox">Inbox</Link> page.
        </p>
      </section>
      <ChangePassword />
      <AccessKeys />
    </main>
  );
}
