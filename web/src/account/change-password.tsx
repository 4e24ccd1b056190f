import { useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../../src/client/api-error.ts';
import { describeError, fieldErrorsOf } from '../api/errors.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { Field } from '../components/field.tsx';

/** What went wrong, by the form's fields (the server's own words) and for the form as a whole. */
interface Problems {
  old?: string;
  new?: string;
  again?: string;
  general?: string;
}

/**
 * The server's refusal under the field it is about. Its checks of the passwords say
 * `old_password is wrong` and `new_password must be at least 8 characters`; a locked-out guesser
 * gets a 429 whose message says how long to wait (describeError's "server busy" would mislead).
 */
function problemsOf(error: unknown): Problems {
  if (error instanceof ApiError && error.status === 429) return { general: error.message };
  const { fields, general } = fieldErrorsOf(error);
  const out: Problems = {};
  if (fields.old_password) out.old = `old_password ${fields.old_password}`;
  if (fields.new_password) out.new = `new_password ${fields.new_password}`;
  const rest: string[] = [];
  for (const text of general) {
    if (text.startsWith('old_password ')) out.old = text;
    else if (text.startsWith('new_password ')) out.new = text;
    else rest.push(text);
  }
  if (rest.length) out.general = rest.join('; ');
  if (!out.old && !out.new && !out.general) out.general = describeError(error);
  return out;
}

/**
 * Changing one's own password (ChangeOwnPassword). The server revokes every token of the person
 * with the old password; the session signs in again with the new one (SignedIn.changePassword),
 * so this tab goes on and every other session of theirs (other tabs, browsers, `kiln login`) ends.
 * Access keys are not tokens and keep working. The passwords live in this form's state only.
 */
export function ChangePassword() {
  const { session, changePassword } = useSignedIn();
  const [oldPassword, setOldPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<Problems>({});
  const [done, setDone] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // The button, disabled while busy, dropped the focus: it goes to the field the problem is about
  // (its error is its description), so a keyboard or screen reader user lands on it.
  const focusProblem = () =>
    requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    if (newPassword !== again) {
      setProblems({ again: 'This is not the same as the new password.' });
      focusProblem();
      return;
    }
    setProblems({});
    setBusy(true);
    try {
      // False: the sign-in form has replaced this page, saying why.
      if (!(await changePassword(oldPassword, newPassword))) return;
      setOldPassword('');
      setNewPassword('');
      setAgain('');
      setDone(true);
    } catch (error) {
      setProblems(problemsOf(error));
      focusProblem();
    }
    setBusy(false);
  };

  return (
    <section className="panel" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <p className="muted">
        Changing your password signs you out everywhere else: your other tabs and browsers, and tokens from{' '}
        <code>kiln login</code>, stop working at once. This tab signs in again with the new password. Your
        access keys keep working.
      </p>
      <form ref={form} onSubmit={(e) => void submit(e)} data-testid="change-password">
        {/* For password managers: whose password this is. */}
        <input type="text" hidden readOnly autoComplete="username" value={session.userName} />
        <div className="row fields-row">
          <PasswordField
            label="Current password"
            error={problems.old}
            autoComplete="current-password"
            value={oldPassword}
            onChange={setOldPassword}
          />
          <PasswordField
            label="New password"
            error={problems.new}
            autoComplete="new-password"
            value={newPassword}
            onChange={setNewPassword}
          />
          <PasswordField
            label="New password again"
            error={problems.again}
            autoComplete="new-password"
            value={again}
            onChange={setAgain}
          />
        </div>
        <ErrorMessage error={problems.general} title="The password was not changed." />
        <p className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
          <span role="status">
            {done &&
              'Password changed. Your other sessions were signed out; this tab is signed in with the new password.'}
          </span>
        </p>
      </form>
    </section>
  );
}

/** One of the form's password inputs, labelled, with the problem the server or the page found. */
function PasswordField({
  label,
  error,
  autoComplete,
  value,
  onChange,
}: {
  label: string;
  error: string | undefined;
  autoComplete: 'current-password' | 'new-password';
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field label={label} error={error}>
      {(p) => (
        <input
          {...p}
          type="password"
          autoComplete={autoComplete}
          required
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
