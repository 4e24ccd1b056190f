import type { HistoryDetails } from '../../../src/contract/builds.ts';
import { formatDuration } from '../../../src/domain/duration.ts';

const STEP_LABELS: Record<string, string> = {
  running: 'Running',
  success: 'Success',
  error: 'Failed',
  '': 'Not run',
};
const STEP_CLASS: Record<string, string> = {
  running: 'running',
  success: 'success',
  error: 'failure',
  '': 'none',
};

/** The build's steps in order with their state and time (`runningFor`: ms since the steps were read). */
export function StepsList({
  steps,
  runningFor = 0,
}: {
  steps: HistoryDetails['build_steps'];
  runningFor?: number;
}) {
  if (steps.length === 0) return <p className="muted">No steps.</p>;
  return (
    <ol className="steps">
      {steps.map((s, i) => (
        <li key={`${i}-${s.name}`} className="step" data-step-status={s.status}>
          <span className="step-name">{s.name}</span>
          <span className={`badge badge-${STEP_CLASS[s.status] ?? 'none'}`}>
            {STEP_LABELS[s.status] ?? s.status}
          </span>
          <span className="step-time">
            {s.status === '' ? '' : formatDuration(s.build_time + (s.status === 'running' ? runningFor : 0))}
          </span>
        </li>
      ))}
    </ol>
  );
}
