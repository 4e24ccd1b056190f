/**
 * One word for where a build is, from the two fields the API splits it into
 * (`job_running_status` Starting/Running/Finished and `state` once Finished).
 * The contract describes these values in text only, so the dashboard names them here.
 */
export const BUILD_STATUSES = ['queued', 'running', 'success', 'failure', 'aborted', 'timeout'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

const LABELS: Record<BuildStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  success: 'Success',
  failure: 'Failed',
  aborted: 'Aborted',
  timeout: 'Timed out',
};

/** The status of a record (`job_running_status`, `state`). */
export function statusOf(runningStatus: string, state: string): BuildStatus {
  if (runningStatus === 'Starting') return 'queued';
  if (runningStatus === 'Running') return 'running';
  switch (state) {
    case 'SUCCESS':
      return 'success';
    case 'ABORTED':
      return 'aborted';
    case 'timeout':
      return 'timeout';
    default:
      return 'failure';
  }
}

/** The status of a job list's last build (Jenkins ball colour), or undefined when never built. */
export function statusOfBall(colour: string): BuildStatus | undefined {
  if (colour === 'notbuilt' || colour === '') return undefined;
  if (colour.endsWith('_anime')) return 'running';
  if (colour === 'blue') return 'success';
  if (colour === 'aborted') return 'aborted';
  return 'failure';
}

/** The status of a record-info `status` (SUCCESS, FAILURE, ABORTED, timeout, RUNNING, QUEUED). */
export function statusOfRecordDetail(status: string): BuildStatus {
  if (status === 'QUEUED') return 'queued';
  if (status === 'RUNNING') return 'running';
  return statusOf('Finished', status);
}

/** True once nothing about the build will change. */
export function isFinished(status: BuildStatus): boolean {
  return status !== 'queued' && status !== 'running';
}

/** Words for a status. */
export function statusLabel(status: BuildStatus): string {
  return LABELS[status];
}

/** A stage's status word (ShowBuildRecordFullStages) in words, and the badge it wears. */
const STAGE_STATUSES: Record<string, { label: string; badge: string }> = {
  INIT: { label: 'Waiting', badge: 'none' },
  QUEUED: { label: 'Queued', badge: 'queued' },
  RUNNING: { label: 'Running', badge: 'running' },
  SUCCESS: { label: 'Success', badge: 'success' },
  FAILURE: { label: 'Failed', badge: 'failure' },
  timeout: { label: 'Timed out', badge: 'timeout' },
  ABORTED: { label: 'Aborted', badge: 'aborted' },
  SKIPPED: { label: 'Skipped', badge: 'none' },
};

/** Words and badge class of a stage status (an unknown word is shown as it is). */
export function stageStatus(word: string): { label: string; badge: string } {
  return STAGE_STATUSES[word] ?? { label: word, badge: 'none' };
}

/** True while a stage has not run and may still (INIT), or is waiting or running. */
export function isStageActive(word: string): boolean {
  return word === 'QUEUED' || word === 'RUNNING';
}
