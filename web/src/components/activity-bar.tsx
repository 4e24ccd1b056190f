import { useEffect, useState } from 'react';
import { onBusyChange } from '../api/activity.ts';

/** A thin moving bar at the top of the page while any request takes more than a moment. */
export function ActivityBar() {
  const [busy, setBusy] = useState(false);
  useEffect(() => onBusyChange(setBusy), []);
  return (
    <div
      className={busy ? 'activity-bar busy' : 'activity-bar'}
      role="progressbar"
      aria-label="Loading"
      aria-hidden={!busy}
    >
      <span />
    </div>
  );
}
