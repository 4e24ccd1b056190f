import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../../src/client/api-error.ts';
import { describeError } from '../api/errors.ts';
import { anonymousClient, type Session } from '../api/session.ts';

/**
 * Sign-in with user name and password (the IAM token operation, project-scoped so the CodeArts
 * operations accept the token). `notice` says why the person is here (session expired, signed out).
 */
export function SignInPage({ notice, onSignedIn }: { notice?: string; onSignedIn: (s: Session) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [domain, setDomain] = useState('default');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const nameInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · Kiln';
    nameInput.current?.focus();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const res = await anonymousClient().login({
        name: name.trim(),
        password,
        domain: domain.trim() || 'default',
      });
      onSignedIn({
        token: res.token,
        expiresAt: res.expiresAt,
        userName: res.body.token.user.name,
        domainName: domain,
      });
    } catch (err) {
      setBusy(false);
      setPassword('');
      setError(
        err instanceof ApiError && err.status === 401
          ? 'Wrong user name or password.'
          : `Signing in failed: ${describeError(err)}`,
      );
      // The button, disabled while busy, dropped focus to the page: put it back on the first field,
      // as when the page opened, so a keyboard user need not find the form again.
      requestAnimationFrame(() => nameInput.current?.focus());
    }
  };

  return (
    <main className="sign-in">
      <form className="panel sign-in-form" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">
          <span className="brand-mark" aria-hidden="true" /> Sign in to Kiln
        </h1>
        {notice && !error && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p className="error-message" role="alert">
            {error}
          </p>
        )}
        <label className="field">
          User name
          <input
            ref={nameInput}
            name="username"
            autoComplete="username"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
          />
        </label>
        <label className="field">
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <details>
          <summary>Domain</summary>
          <label className="field">
            Domain (account) name
            <input name="domain" value={domain} onChange={(e) => setDomain(e.target.value)} />
          </label>
        </details>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
