import { wallClockOf } from './time.ts';

/**
 * The parameters CodeArts defines for every build (spec §4.3), set by Kiln in each step's
 * environment and usable as `${name}` in a build.yml. They say what is being built, so no
 * parameter may take their names: not a job's, a run's or a build.yml's (parameter-rules.ts).
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

/** What each predefined parameter holds (ShowJobSystemParameters). */
export const PREDEFINED_PARAMETER_DESCRIPTIONS: Readonly<
  Record<(typeof PREDEFINED_PARAMETERS)[number], string>
> = {
  BUILDNUMBER: 'The daily build number, yyyyMMdd.N (N counts the builds of that day)',
  TIMESTAMP: 'When the build was triggered, yyyyMMddHHmmss in the server time zone',
  INCREASENUM: 'The build number of the job, from 1',
  PROJECT_ID: 'The id of the CodeArts project the job belongs to',
  WORKSPACE: 'The directory the repository is checked out to and the steps run in',
  GIT_TAG: 'The tag built (tag builds); empty otherwise',
  COMMIT_ID: 'The full id of the commit built',
  COMMIT_ID_SHORTER: 'The first 8 characters of the commit id',
  JOB_NAME: 'The name of the job',
  EXECUTOR: 'The name of the user who ran the build',
};

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
