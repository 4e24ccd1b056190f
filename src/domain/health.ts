import type { BuildState } from './build.ts';

/** How many of the latest finished builds the health score looks at (Jenkins' build stability). */
export const HEALTH_WINDOW = 5;

/** States that count towards health; ABORTED builds are ignored. */
export const COUNTED_STATES: readonly BuildState[] = ['SUCCESS', 'FAILURE', 'timeout'];

/**
 * Jenkins' build-stability score: of the latest finished builds (newest first, aborted ones already
 * left out), the share that succeeded, floored to a whole percent; 100 when nothing counts yet.
 */
export function healthScore(latestCounted: readonly BuildState[]): number {
  const counted = latestCounted.filter((s) => COUNTED_STATES.includes(s)).slice(0, HEALTH_WINDOW);
  if (counted.length === 0) return 100;
  const good = counted.filter((s) => s === 'SUCCESS').length;
  return Math.floor((100 * good) / counted.length);
}
