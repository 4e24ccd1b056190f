import type { Coverage, TestCounts } from './test-report.ts';
import { isCalendarDay } from './time.ts';

export type { TestCounts };

/** Where a build is in its life: queued or preparing, executing, done. */
export const RUNNING_STATUSES = ['Starting', 'Running', 'Finished'] as const;
export type RunningStatus = (typeof RUNNING_STATUSES)[number];

/** How a finished build ended (lower-case `timeout` as CodeArts documents it). */
export const BUILD_STATES = ['SUCCESS', 'FAILURE', 'ABORTED', 'timeout'] as const;
export type BuildState = (typeof BUILD_STATES)[number];

/** What started a build. */
export const TRIGGER_TYPES = ['Manual', 'Scheduled', 'CodeUpdate'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
/** How the v1/v4 record APIs spell each trigger type. */
export const TRIGGER_WORDS = { Manual: 'MANUAL', Scheduled: 'SCHEDULED', CodeUpdate: 'CODE_UPDATE' } as const;

/** What a build was asked to build. */
export const BUILD_TYPES = ['branch', 'tag', 'commit'] as const;
export type BuildType = (typeof BUILD_TYPES)[number];

/** One parameter value a build ran with. Sensitive values are never shown, only `******`. */
export interface BuildParameter {
  name: string;
  value: string;
  sensitive: boolean;
  /**
   * A run-time value of a code-based job for a name the job does not declare: it reaches the
   * build only if the build.yml (or the BuildFlow) declares the name, never as a free variable.
   */
  undeclared?: true;
}

/** A build of a job: one row of the build history, whoever produced it (a runner or an import). */
export interface Build {
  recordId: string;
  jobId: string;
  number: number;
  dailyBuildNumber: string;
  /** Epoch ms when the trigger was accepted. */
  startTime: number;
  /** Epoch ms when a runner took the build; null while queued. */
  runStartedAt: number | null;
  /** Epoch ms when the build finished; null until then. */
  finishedAt: number | null;
  runningStatus: RunningStatus;
  state: BuildState | '';
  triggerType: TriggerType;
  userId: string;
  executor: string;
  nickname: string;
  commitId: string;
  /** Epoch ms of the commit's time; null until checkout resolved it. */
  commitTime: number | null;
  /** First line of the commit message; "" until checkout resolved it. */
  commitMessage: string;
  buildType: BuildType;
  codeBranch: string;
  scmType: string;
  scmWebUrl: string;
  /** Stored execution time (ms) of a finished build. */
  buildTime: number | null;
  /** Stored trigger-to-finish time (ms) of a finished build. */
  costTime: number | null;
  parameters: BuildParameter[];
  /** The commit asked for (commit builds); "" otherwise. */
  requestedCommit: string;
}

/**
 * The largest build number: the API's build_no is a 32-bit integer (CodeArts' SDKs declare it so)
 * and so is the stored column.
 */
export const MAX_BUILD_NUMBER = 2_147_483_647;

/**
 * The largest number an imported build may have. Runs after an import take the numbers above the
 * highest imported one, so the import must leave room for them below MAX_BUILD_NUMBER: a billion
 * and more runs (one a second for 36 years).
 */
export const MAX_IMPORTED_BUILD_NUMBER = 1_000_000_000;

/** Masked form of a sensitive value, wherever values are shown. */
export const MASK = '******';

/** ms the build has spent executing: stored when finished, so far while running, 0 while queued. */
export function buildTimeOf(build: Build, now: number): number {
  if (build.runningStatus === 'Finished') return build.buildTime ?? 0;
  if (build.runStartedAt === null) return 0;
  return Math.max(0, now - build.runStartedAt);
}

/** ms from trigger to finish (queue wait included); so far while not finished. */
export function costTimeOf(build: Build, now: number): number {
  if (build.runningStatus === 'Finished') return build.costTime ?? 0;
  return Math.max(0, now - build.startTime);
}

/** The `yyyyMMdd.N` daily build number. */
export function dailyBuildNumber(dayKey: string, n: number): string {
  return `${dayKey}.${n}`;
}

const DAILY = /^(\d{8})\.([1-9]\d{0,8})$/;

/** True when `text` is a well-formed `yyyyMMdd.N` of a day the calendar has. */
export function isDailyBuildNumber(text: string): boolean {
  const day = DAILY.exec(text)?.[1];
  return (
    day !== undefined && isCalendarDay(Number(day.slice(0, 4)), Number(day.slice(4, 6)), Number(day.slice(6)))
  );
}

/** A step's status as history details show it: "" means not run (or disabled). */
export const STEP_STATUSES = ['', 'running', 'success', 'error'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** One step of a build, as stored. */
/** How a job defines its build: graphical steps in the job (ACTION) or the repository's build.yml (YAML). */
export type BuildConfigType = 'ACTION' | 'YAML';

/** The build.yml a code-based build ran: where it was read from and its text ('' until it is read). */
export interface BuildScript {
  configType: BuildConfigType;
  path: string;
  script: string;
}

export interface BuildStep {
  index: number;
  name: string;
  moduleId: string;
  enabled: boolean;
  status: StepStatus;
  startedAt: number | null;
  finishedAt: number | null;
  /** Byte range of the step's output in the build log; null until it ran. */
  logStart: number | null;
  logEnd: number | null;
  /** The JUnit counts of the step's test reports, when its action names some and it ran. */
  tests?: TestCounts;
  /** The line and branch coverage of its coverage reports, when it asked and had some. */
  coverage?: Coverage;
}

/** ms a step ran (so far, while running). */
/** A step of a build that has not run yet. */
export function newStep(s: { name: string; moduleId: string; enabled?: boolean }, index: number): BuildStep {
  return {
    index,
    name: s.name,
    moduleId: s.moduleId,
    enabled: s.enabled !== false,
    status: '',
    startedAt: null,
    finishedAt: null,
    logStart: null,
    logEnd: null,
  };
}

export function stepTimeOf(step: BuildStep, now: number): number {
  if (step.startedAt === null) return 0;
  return Math.max(0, (step.finishedAt ?? now) - step.startedAt);
}

/** Unfinished builds by where they are: the `kiln_builds_active` gauge's `status` label. */
export interface ActiveCounts {
  /** No runner has it (waiting in the queue, or a flow's job waiting for the jobs before it). */
  queued: number;
  /** Claimed by a runner, its first step not yet begun (checkout, sandbox). */
  starting: number;
  running: number;
}
