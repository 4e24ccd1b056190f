import { useState, type FormEvent, type ReactNode } from 'react';
import { useAsync } from '../app/use-async.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { Field } from '../components/field.tsx';
import { Spinner } from '../components/spinner.tsx';
import { AccessKeyRow } from './access-key-row.tsx';
import { NewAccessKey } from './new-access-key.tsx';

/**
 * The person's own access keys (ListAccessKeys): an AK/SK pair signs requests the way the
 * CodeArts SDKs do, for scripts and programs. Create one (CreateAccessKey, its SK shown once),
 * disable or enable it (UpdateAccessKey), delete it (DeleteAccessKey, asked once more).
 */
export function AccessKeys() {
  const { client } = useSignedIn();
  const keys = useAsync(() => client.listAccessKeys({ query: {} }), [client]);
  const [description, setDescription] = useState('');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ ak: string; sk: string } | undefined>();
  const [outcome, setOutcome] = useState<ReactNode>();
  const [error, setError] = useState<unknown>();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setCreating(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      const { result } = await client.createAccessKey({ body: { description: description.trim() } });
      setCreated({ ak: result.key.ak, sk: result.sk });
      setDescription('');
      keys.reload();
    } catch (failure) {
      setError(failure);
    }
    setCreating(false);
  };

  /** After a row's change: what happened, and the list read again. */
  const changed = (what: ReactNode, deletedAk?: string) => {
    setError(undefined);
    setOutcome(what);
    // A deleted key's secret is of no use any more.
    if (deletedAk && created?.ak === deletedAk) setCreated(undefined);
    keys.reload();
  };

  const list = keys.data?.result.keys;
  return (
    <section className="panel" aria-labelledby="keys-title" aria-busy={keys.loading && !list}>
      <h2 id="keys-title">Access keys</h2>
      <p className="muted">
        An access key (AK) and its secret key (SK) sign requests the way the CodeArts SDKs do, for scripts and
        programs; they act as you, with your rights. Changing your password does not change them.
      </p>
      <form className="row" onSubmit={(e) => void create(e)}>
        <Field label="Description (what will use the key)">
          {(p) => (
            <input
              {...p}
              maxLength={256}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              placeholder="e.g. nightly release script"
            />
          )}
        </Field>
        <p className="actions">
          <button type="submit" className="primary" disabled={creating}>
            {creating ? 'Creating…' : 'Create access key'}
          </button>
        </p>
      </form>
      {created && <NewAccessKey ak={created.ak} sk={created.sk} onDone={() => setCreated(undefined)} />}
      <p role="status" className="outcome">
        {outcome}
      </p>
      <ErrorMessage error={error} title="That did not work." />
      <ErrorMessage error={keys.error} title="Your access keys could not be read." />
      {keys.loading && !list && <Spinner label="Loading your access keys…" />}
      {list?.length === 0 && <p className="empty">You have no access keys.</p>}
      {list && list.length > 0 && (
        <table className="access-keys responsive" data-testid="access-keys">
          <caption className="visually-hidden">Your access keys</caption>
          <thead>
            <tr>
              <th scope="col">Access key (AK)</th>
              <th scope="col">Description</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((key) => (
              <AccessKeyRow key={key.ak} accessKey={key} onChanged={changed} onError={setError} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
