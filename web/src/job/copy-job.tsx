import { useState, type FormEvent } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { JobConfigBody } from '../../../src/contract/jobs.ts';
import { useInlineQuestion } from '../app/use-inline-question.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { navigate } from '../router/router.tsx';

/**
 * Copying a job: asks for the copy's name (the server suggests `<name>-copy-<n>`), then creates it
 * with this job's configuration (CopyJob) and opens it.
 */
export function CopyJob({ client, jobId, config }: { client: Kiln; jobId: string; config: JobConfigBody }) {
  const [name, setName] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // The form replaces Copy…: the focus goes to the name, and back to Copy… when it is cancelled.
  const asking = name !== undefined;
  const { opener, first: nameInput, cancelled } = useInlineQuestion<HTMLInputElement>(asking);
  const cancel = () => {
    cancelled();
    setName(undefined);
  };
  const open = async () => {
    setError(undefined);
    try {
      setName((await client.showCopyName({ params: { job_id: jobId } })).result);
    } catch (e) {
      setError(e);
    }
  };
  const copy = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const body = { ...config, job_name: name ?? '', copy_job_id: jobId };
      const { result } = await client.copyJob({ body });
      navigate(`/jobs/${result.job_id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  if (name === undefined)
    return (
      <>
        <button type="button" ref={opener} onClick={() => void open()}>
          Copy…
        </button>
        <ErrorMessage error={error} title="The job could not be copied." />
      </>
    );
  return (
    <form
      className="confirm"
      aria-label="Copy the job"
      onSubmit={(e) => void copy(e)}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) cancel();
      }}
    >
      <label className="inline-field">
        Name of the copy{' '}
        <input ref={nameInput} value={name} onChange={(e) => setName(e.target.value)} required />
      </label>{' '}
      <button type="submit" className="primary" disabled={busy}>
        Copy
      </button>{' '}
      <button type="button" disabled={busy} onClick={cancel}>
        Cancel
      </button>
      <ErrorMessage error={error} title="The job could not be copied." />
    </form>
  );
}
