/**
 * What a step's test reports said: the JUnit counts (exact, whatever the reports' size), the test
 * cases kept of them (bounded, the ones that did not pass first) and the coverage of JaCoCo or
 * Cobertura reports where the step has them. The runner reads the reports; the server keeps this
 * with the step.
 */

/** Counts of JUnit test cases. */
export interface TestCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped';

export const TEST_STATUSES: readonly TestStatus[] = ['failed', 'error', 'skipped', 'passed'];

/** One `<testcase>` of a JUnit XML report. */
export interface TestCase {
  /** The enclosing `<testsuite>`'s name ('' when it has none). */
  suite: string;
  className: string;
  name: string;
  status: TestStatus;
  /** ms (the case's `time`, in seconds in the report). */
  durationMs: number;
  /** The failure's, error's or skip's `message` (or its type), cut at TEST_LIMITS.message. */
  message: string;
  /** The failure's or error's text (usually a stack trace), cut at TEST_LIMITS.detail. */
  detail: string;
}

/** Line and branch coverage summed over a step's coverage reports. */
export interface Coverage {
  format: 'jacoco' | 'cobertura';
  linesCovered: number;
  linesTotal: number;
  branchesCovered: number;
  branchesTotal: number;
}

/** A step's test results as the runner sends them with the step's end. */
export interface StepTests {
  counts: TestCounts;
  cases: TestCase[];
  coverage?: Coverage;
}

/**
 * The most a test count can be: what a step's report carries to the server (runner protocol) and
 * build_steps holds (integer columns). A report claiming more is not believed.
 */
export const MAX_TEST_COUNT = 2_147_483_647;

/**
 * The longest a test case's time can be, in ms (about 4,000 years): what a step's report carries
 * to the server (build's test_cases hold it as bigint). A report claiming more is not believed.
 */
export const MAX_TEST_DURATION_MS = 2 ** 47;

/**
 * Bounds on what a step keeps: the counts are always exact, the cases are the first `cases` that
 * did not pass and then the first that did, each text cut, about `bytes` of text in all. They keep
 * a step's report (one JSON body from a remote runner) under the server's 1 MiB body limit.
 */
export const TEST_LIMITS = { cases: 2_000, message: 500, detail: 2_000, name: 300, bytes: 400_000 } as const;

/**
 * Cuts `text` to `max` characters, saying so. Never between the halves of a character beyond
 * U+FFFF (an emoji in a test's name): the lone half left was no Unicode, and the server refused the
 * whole step report for it (400), which failed the build.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/** The cases that passed: those neither failed, in error nor skipped. */
export function passedOf(c: TestCounts): number {
  return Math.max(0, c.tests - c.failures - c.errors - c.skipped);
}

/** "81.3%" of covered/total, or '' when there is nothing to cover. */
export function percentOf(covered: number, total: number): string {
  return total === 0 ? '' : `${((100 * covered) / total).toFixed(1)}%`;
}

/** The artifact a step's reports are zipped into (DownloadJunitCoverageZip serves it). */
export function reportZipName(stepIndex: number): string {
  return `test-reports-stage${stepIndex + 1}.zip`;
}

/**
 * The root_id of a step's reports (ListJunitCoverageSummary, ShowReportSummary): the record id's
 * 32 hex digits and the step's number, `<hex>-s<N>`, which fits the reference's 40 characters.
 */
export function rootIdOf(recordId: string, stepIndex: number): string {
  return `${recordId.replace(/-/g, '')}-s${stepIndex + 1}`;
}

/** The step (0-based) a root_id of the build `recordId` names, or undefined when it names none. */
export function stepOfRootId(rootId: string, recordId: string): number | undefined {
  const m = /^([0-9a-f]{32})-s([1-9][0-9]{0,3})$/.exec(rootId);
  return m && m[1] === recordId.replace(/-/g, '') ? Number(m[2]) - 1 : undefined;
}
