import { statusLabel, type BuildStatus } from '../lib/build-status.ts';

/** A build's status as a coloured word (colour is never the only sign: the word is always there). */
export function StatusBadge({ status }: { status: BuildStatus | undefined }) {
  if (!status) return <span className="badge badge-none">Never built</span>;
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}
