import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { useInlineQuestion } from '../app/use-inline-question.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { navigate } from '../router/router.tsx';

/**
 * Deleting a job, asked once more: it moves to the recycle bin with its history (restorable there),
 * its queued builds end and its running ones stop. Then the bin's page opens.
 */
export function DeleteJob({ client, jobId, name }: { client: Kiln; jobId: string; name: string }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // The question replaces Delete…: the focus goes to its Cancel (the safe answer), and back to
  // Delete… when it is cancelled.
  const { opener, first: cancelButton, cancelled } = useInlineQuestion<HTMLButtonElement>(asking);
  const cancel = () => {
    cancelled();
    setAsking(false);
  };
  if (!asking)
    return (
      <button type="button" ref={opener} onClick={() => setAsking(true)}>
        Delete…
      </button>
    );
  const remove = async () => {
    setBusy(true);
    try {
      await client.deleteBuildJob({ params: { job_id: jobId } });
      navigate('/bin');
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <div
      className="confirm"
      role="group"
      aria-label="Delete the job"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) cancel();
      }}
    >
      <span>
        Move {name} to the recycle bin? Its running builds stop; it can be restored with its history.
      </span>{' '}
      <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
        Delete
      </button>{' '}
      <button type="button" ref={cancelButton} disabled={busy} onClick={cancel}>
        Cancel
      </button>
      <ErrorMessage error={error} title="The job could not be deleted." />
    </div>
  );
}
