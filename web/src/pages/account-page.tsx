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
 * access keys (AK/SK) for the SDKs and scripts.
 */
export function AccountPage() {
  const { client, session } = useSignedIn();
  const me = useAsync(() => client.showCurrentUser(), [client]);
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
      <ChangePassword />
      <AccessKeys />
    </main>
  );
}
