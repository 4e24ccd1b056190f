import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';

/**
 * A star that marks a job as one of the person's favourites (AddFavouriteTask) or takes it off
 * (RemoverFavouriteTask). It shows the new state at once and goes back if the call fails.
 */
export function FavouriteToggle({
  client,
  jobId,
  name,
  favourite,
}: {
  client: Kiln;
  jobId: string;
  name: string;
  favourite: boolean;
}) {
  const [on, setOn] = useState(favourite);
  const [busy, setBusy] = useState(false);
  const toggle = async () => {
    const next = !on;
    setOn(next);
    setBusy(true);
    try {
      const params = { params: { job_id: jobId } };
      await (next ? client.addFavouriteTask(params) : client.removerFavouriteTask(params));
    } catch {
      setOn(!next);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className="favourite-toggle"
      aria-pressed={on}
      aria-label={`Favourite: ${name}`}
      title={on ? 'One of your favourites (click to take it off)' : 'Mark as a favourite'}
      disabled={busy}
      onClick={() => void toggle()}
    >
      {on ? '★' : '☆'}
    </button>
  );
}
