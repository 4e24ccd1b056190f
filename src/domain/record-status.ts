import type { Build, BuildStep } from './build.ts';

/**
 * The status words and codes of the v1 record views (ShowBuildRecord, ShowBuildRecordFullStages,
 * ShowJobStepStatus). CodeArts documents only two codes by example (5 = SUCCESS, 8 = ABORTED);
 * the others are Kiln's, listed in docs/api-compat.md so a client can rely on them. The words
 * of a finished build are those record-info already answers (`timeout` stays lower-case).
 */
export const STATUS_CODES = {
  INIT: 0,
  QUEUED: 1,
  RUNNING: 2,
  SUCCESS: 5,
  FAILURE: 6,
  timeout: 7,
  ABORTED: 8,
  SKIPPED: 9,
} as const;
export type RecordStatus = keyof typeof STATUS_CODES;

/** A build's status word: QUEUED until a runner starts it, RUNNING, then how it ended. */
export function recordStatus(b: Build): RecordStatus {
  if (b.runningStatus === 'Finished') return b.state === '' ? 'FAILURE' : b.state;
  return b.runningStatus === 'Running' ? 'RUNNING' : 'QUEUED';
}

/**
 * A step's status word. A step that never ran is INIT while its build may still reach it, and
 * SKIPPED once the build is over (disabled, or after a failure or a stop).
 */
export function stepStatus(step: BuildStep, build: Build): RecordStatus {
  switch (step.status) {
    case 'success':
      return 'SUCCESS';
    case 'error':
      return build.state === 'ABORTED' || build.state === 'timeout' ? build.state : 'FAILURE';
    case 'running':
      return build.runningStatus === 'Finished' ? recordStatus(build) : 'RUNNING';
    default:
      return build.runningStatus === 'Finished' ? 'SKIPPED' : 'INIT';
  }
}
