import { wallClockOf } from './time.ts';

/**
 * The parameters CodeArts defines for every build (spec §4.3), set by Kiln in each step's
 * environment and usable as `${name}` in a build.yml. They say what is being built, so a job
 * parameter may not take their names and a build.yml's `params` cannot change them.
 */
export const PREDEFINED_PARAMETERS = [
  'BUILDNUMBER',
  'TIMESTAMP',
  'INCREASENUM',
  'PROJECT_ID',
  'WORKSPACE',
  'GIT_TAG',
  'COMMIT_ID',
  'COMMIT_ID_SHORTER',
  'JOB_NAME',
  'EXECUTOR',
] as const;

/** What the server knows when a build is triggered, fixed in its plan. */
export interface BuildContext {
  projectId: string;
  jobName: string;
  /** Who ran the build (user name). */
  executor: string;
  /** The trigger time as yyyyMMddHHmmss in the server's time zone. */
  timestamp: string;
}

/** yyyyMMddHHmmss of `epochMs` in `zone`. */
export function buildTimestamp(epochMs: number, zone: string): string {
  const w = wallClockOf(epochMs, zone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${w.year}${two(w.month)}${two(w.day)}${two(w.hour)}${two(w.minute)}${two(w.second)}`;
}

/** The predefined parameters of one build, once its commit is known. */
export function predefinedParameters(b: {
  context: BuildContext | undefined;
  dailyBuildNumber: string;
  buildNumber: number;
  workspace: string;
  tag: string;
  commitId: string;
  branch: string;
}): Record<string, string> {
  return {
    BUILDNUMBER: b.dailyBuildNumber,
    TIMESTAMP: b.context?.timestamp ?? '',
    INCREASENUM: String(b.buildNumber),
    PROJECT_ID: b.context?.projectId ?? '',
    WORKSPACE: b.workspace,
    GIT_TAG: b.tag,
    COMMIT_ID: b.commitId,
    COMMIT_ID_SHORTER: b.commitId.slice(0, 8),
    JOB_NAME: b.context?.jobName ?? '',
    EXECUTOR: b.context?.executor ?? '',
    codeBranch: b.branch,
  };
}
