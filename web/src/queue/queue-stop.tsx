import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { ErrorMessage } from '../components/error-message.tsx';

/**
 * Stop for one build of the queue (StopBuildJob, as the build page's Stop), offered on the rows
 * whose job the person may run (the queue's is_execute). A refusal all the same (their rights
 * changed since the queue was read) is shown under it, in the server's words. A build runs on
 * until its runner has ended it (a step ignoring SIGTERM has the kill grace), so after an accepted
 * stop the button stays "Stopping…", disabled, until the row leaves the queue (this component with
 * it: the rows are keyed by build).
 */
export function QueueStop({
  client,
  jobId,
  buildNo,
  label,
  onStopped,
}: {
  client: Kiln;
  jobId: string;
  buildNo: number;
  /** The build in words, for the button's accessible name ("Stop web #3"). */
  label: string;
  onStopped: () => void;
}) {
  const [state, setState] = useState<'' | 'busy' | 'asked'>('');
  const [error, setError] = useState<unknown>();
  const stop = async () => {
    setState('busy');
    setError(undefined);
    try {
      await client.stopBuildJob({ params: { job_id: jobId, build_no: buildNo } });
      setState('asked');
      onStopped();
    } catch (e) {
      setError(e);
      setState('');
    }
  };
  return (
    <>
      <button
        type="button"
        className="danger"
        aria-label={state === '' ? `Stop ${label}` : `Stopping ${label}`}
        onClick={() => void stop()}
        disabled={state !== ''}
      >
        {state === '' ? 'Stop' : 'Stopping…'}
      </button>
      <ErrorMessage error={error} title={`${label} could not be stopped.`} />
    </>
  );
}
