import { formatDuration } from '../domain/duration.ts';
import type { BuildStop } from './build-stop.ts';

/**
 * How a step ended. A failed step may say why in a few words: its script's exit code (or the
 * signal that ended it), or a `reason`; a step the runner carries out itself (an upload, a
 * download, a checkout) says why in the line it writes before the closing one.
 */
export interface StepEnd {
  ok: boolean;
  exitCode?: number | string;
  reason?: string;
}

/**
 * The closing line of every step, whatever carried it out (a script in the sandbox or the runner
 * itself), so that each step reads the same in the log: `step "x" succeeded in 1.2 s`, `step "x"
 * failed with exit code 3 after 7 ms`, `step "x" failed after 40 ms`, or `step "x" stopped after
 * 2.0 s (why)` when the build's stop ended it.
 */
export function stepEndLine(name: string, end: StepEnd, ms: number, stop: BuildStop): string {
  const took = formatDuration(ms);
  if (end.ok) return `step "${name}" succeeded in ${took}`;
  if (stop.reason) return `step "${name}" stopped after ${took} (${stop.describe()})`;
  const code = end.exitCode === undefined ? '' : ` with exit code ${end.exitCode}`;
  const why = end.reason === undefined ? '' : `: ${end.reason}`;
  return `step "${name}" failed${code} after ${took}${why}`;
}
