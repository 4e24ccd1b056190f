import type { Build, BuildStep } from './build.ts';
import { recordStatus, stepStatus, type RecordStatus } from './record-status.ts';

/**
 * A build seen as CodeArts' stages (ShowBuildRecordFullStages): `initial` from the trigger to
 * the start (the queue wait and the checkout, whose lines come before the first step's), one
 * `stageN` per step in order, and `final` from the last step to the end (the lines the runner and
 * server write after the steps). Each stage owns a byte range of the build log, so a stage's log
 * is a slice of the one log (ShowActionIInfo, DownloadTaskLog).
 */
export interface BuildStage {
  /** `initial`, `stage1`.., `final`. */
  key: string;
  displayName: string;
  /** 0 for initial, N for stageN, steps + 1 for final. */
  sequence: number;
  status: RecordStatus;
  startedAt: number | null;
  finishedAt: number | null;
  /** Byte range of the stage's lines in the build log; `end` null while it may still grow. */
  log: { start: number; end: number | null } | null;
  /** none (no line yet and none to come), running (may still grow), finished. */
  logStatus: 'none' | 'running' | 'finished';
}

/** Display names of the two stages that are not steps. */
export const INITIAL_STAGE = 'Initialize';
export const FINAL_STAGE = 'Finalize';

function logStatusOf(log: BuildStage['log']): BuildStage['logStatus'] {
  if (log === null) return 'none';
  if (log.end === null) return 'running';
  return log.end > log.start ? 'finished' : 'none';
}

/** The stages of a build with its steps, given its log's size now. */
export function buildStages(build: Build, steps: readonly BuildStep[], logSize: number): BuildStage[] {
  const finished = build.runningStatus === 'Finished';
  const ran = steps.filter((s) => s.logStart !== null);
  const firstStart = ran[0]?.logStart ?? null;
  const lastEnd = ran.length > 0 ? (ran[ran.length - 1]?.logEnd ?? null) : null;

  const initialEnd = firstStart ?? (finished ? logSize : null);
  const initialStatus: RecordStatus =
    build.runStartedAt !== null ? 'SUCCESS' : finished ? recordStatus(build) : 'QUEUED';
  const initial: BuildStage = {
    key: 'initial',
    displayName: INITIAL_STAGE,
    sequence: 0,
    status: initialStatus,
    startedAt: build.startTime,
    finishedAt: build.runStartedAt ?? build.finishedAt,
    log: { start: 0, end: initialEnd },
    logStatus: 'none',
  };

  const middle = steps.map((s, i): BuildStage => {
    const log =
      s.logStart === null ? null : { start: s.logStart, end: s.logEnd ?? (finished ? logSize : null) };
    return {
      key: `stage${i + 1}`,
      displayName: s.name,
      sequence: i + 1,
      status: stepStatus(s, build),
      startedAt: s.startedAt,
      finishedAt: s.finishedAt ?? (s.startedAt !== null && finished ? build.finishedAt : null),
      log,
      logStatus: 'none',
    };
  });

  // The final stage starts where the steps' lines end (or the checkout's, when no step ran).
  const finalStart = lastEnd ?? initialEnd;
  const final: BuildStage = {
    key: 'final',
    displayName: FINAL_STAGE,
    sequence: steps.length + 1,
    status: finished ? finalStatus(build, [initial, ...middle]) : 'INIT',
    startedAt: finished ? (lastFinish(middle) ?? build.runStartedAt ?? build.finishedAt) : null,
    finishedAt: build.finishedAt,
    log: finished && finalStart !== null ? { start: finalStart, end: logSize } : null,
    logStatus: 'none',
  };

  return [initial, ...middle, final].map((s) => ({ ...s, logStatus: logStatusOf(s.log) }));
}

/**
 * The final stage's status is its own work's (the lines after the steps, the cleanup), not the
 * build's outcome again: a build whose step failed, timed out or was stopped shows that on the
 * step, and Finalize SUCCESS (SKIPPED when the build never started: stopped in the queue). Only
 * an outcome no earlier stage shows (the checkout failed, the build.yml could not be read, the
 * runner was lost between steps) is shown on Finalize, so a failed build always has a failed stage.
 */
function finalStatus(build: Build, earlier: readonly BuildStage[]): RecordStatus {
  const outcome = recordStatus(build);
  if (outcome === 'SUCCESS' || !earlier.some((s) => s.status === outcome)) return outcome;
  return build.runStartedAt === null ? 'SKIPPED' : 'SUCCESS';
}

function lastFinish(stages: readonly BuildStage[]): number | null {
  for (let i = stages.length - 1; i >= 0; i--) {
    const at = stages[i]?.finishedAt;
    if (at !== null && at !== undefined) return at;
  }
  return null;
}

/** ms a stage took (so far, while it runs; 0 before it starts). */
export function stageDurationOf(stage: BuildStage, now: number): number {
  if (stage.startedAt === null) return 0;
  return Math.max(0, (stage.finishedAt ?? now) - stage.startedAt);
}
