import { useRef, useState, type FormEvent } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { ApiError } from '../../../src/client/api-error.ts';
import { describeError, fieldErrorsOf } from '../api/errors.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Field } from '../components/field.tsx';

/** What went wrong, by the form's fields (the server's own words) and for the form as a whole. */
interface Problems {
  name?: string;
  description?: string;
  general?: string;
}

/**
 * The server's refusal under the field it is about: the schema's `body field 'name' …`, the
 * engine's `name must be non-empty printable text`, and the 409 of a name the domain has (`a
 * project named X already exists`) are the name's; anything else (a 403) is the form's.
 */
function problemsOf(error: unknown): Problems {
  if (error instanceof ApiError && error.status === 409) return { name: error.message };
  const { fields, general } = fieldErrorsOf(error);
  const out: Problems = {};
  if (fields.name) out.name = `name ${fields.name}`;
  if (fields.description) out.description = `description ${fields.description}`;
  const rest: string[] = [];
  for (const text of general) {
    if (error instanceof ApiError && error.status === 400 && text.startsWith('name ')) out.name = text;
    else if (error instanceof ApiError && error.status === 400 && text.startsWith('description '))
      out.description = text;
    else rest.push(text);
  }
  if (rest.length) out.general = rest.join('; ');
  if (!out.name && !out.description && !out.general) out.general = describeError(error);
  return out;
}

/**
 * "New project" on the projects page (CreateProject, as `kiln projects create`): offered only to
 * domain administrators, the only ones the server lets create a project; its creator becomes its
 * owner. A small form in place of the button: name and an optional description.
 */
export function NewProject({ client, onCreated }: { client: Kiln; onCreated: (name: string) => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<Problems>({});
  const [created, setCreated] = useState('');
  const form = useRef<HTMLFormElement>(null);
  const opener = useRef<HTMLButtonElement>(null);

  const close = () => {
    setOpen(false);
    setProblems({});
    requestAnimationFrame(() => opener.current?.focus());
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblems({});
    setBusy(true);
    try {
      const p = (
        await client.createProject({
          body: { name, ...(description.trim() !== '' && { description: description.trim() }) },
        })
      ).result;
      setName('');
      setDescription('');
      setCreated(p.name);
      setOpen(false);
      onCreated(p.name);
    } catch (error) {
      setProblems(problemsOf(error));
      // The field the problem is about takes the focus (its error is its description).
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
    }
    setBusy(false);
  };

  if (!open)
    return (
      <div className="new-project">
        <button
          type="button"
          ref={opener}
          onClick={() => {
            setCreated('');
            setOpen(true);
          }}
        >
          New project
        </button>{' '}
        <span role="status">{created && `Created project ${created}.`}</span>
      </div>
    );
  return (
    <form
      ref={form}
      className="panel new-project"
      aria-label="New project"
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => e.key === 'Escape' && close()}
    >
      <div className="row fields-row">
        <Field label="Project name" error={problems.name}>
          {(props) => (
            <input
              {...props}
              autoFocus
              value={name}
              maxLength={128}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field label="Description" hint="optional" error={problems.description}>
          {(props) => (
            <input
              {...props}
              value={description}
              maxLength={1024}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </Field>
      </div>
      <ErrorMessage error={problems.general} title="The project was not created." />
      <p className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create project'}
        </button>{' '}
        <button type="button" onClick={close}>
          Cancel
        </button>
      </p>
    </form>
  );
}
