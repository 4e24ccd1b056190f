import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { TestCounts } from '../domain/build.ts';
import {
  MAX_TEST_COUNT,
  percentOf,
  reportZipName,
  type Coverage,
  type StepTests,
} from '../domain/test-report.ts';
import { describeCounts, type ReportInputs } from '../domain/tool-inputs.ts';
import { LeaseLostError } from '../protocol/runner-protocol.ts';
import { describeSize, keepFile, sizeOf, type TransferContext } from './artifact-transfer.ts';
import { readCoverageFile, sumCoverage } from './coverage-file.ts';
import { CaseSink, readJunitFile } from './junit-file.ts';
import { zipWorkspaceFiles } from './report-zip.ts';
import { MAX_DEPTH, walkWorkspace } from './workspace-walk.ts';
import { XmlSyntaxError } from './xml-stream.ts';

/** Bounds that keep the reading cheap whatever a build leaves in its workspace. */
const LIMITS = {
  entries: 200_000,
  reports: 1_000,
  fileBytes: 512 * 1024 * 1024,
  listed: 20,
  zipFiles: 10_000,
};

/** The names a coverage directory's report may have (JaCoCo's, then Cobertura's of several tools). */
const COVERAGE_FILES = ['jacoco.xml', 'cobertura.xml', 'cobertura-coverage.xml', 'coverage.xml'];

/** What the runner read of a step's reports. */
export interface CollectedReports {
  /** Lines for the build log: what was read, and why a file was not. */
  lines: string[];
  /** The counts, cases and coverage; absent when no JUnit report was read. */
  tests?: StepTests;
  /** The workspace files to keep in the step's report zip: the reports and the coverage sites. */
  files: string[];
}

/**
 * Reads the JUnit XML reports (and the coverage reports, when asked) under `workspace` that the
 * step's globs match, after its processes have all ended. Each file is streamed through an XML
 * parser; one that is not well-formed is named in the log with where it breaks and left out of the
 * counts, and the others still count (the file itself goes into the zip, so nothing is lost).
 * Symbolic links are not followed, in any component (the runner may be root; a build could point
 * one anywhere: file-beneath.ts), `.git`
 * is skipped, and the walk stops at fixed bounds.
 */
export async function collectReports(
  workspace: string,
  inputs: ReportInputs,
  mask?: (text: string) => string,
): Promise<CollectedReports> {
  const isReport = picomatch(inputs.reports.replace(/^\.\//, ''), { dot: true });
  const isCoverage = inputs.coverage
    ? picomatch(inputs.coverage.replace(/^\.\//, ''), { dot: true })
    : () => false;
  const reports: string[] = [];
  let unread = 0;
  const coverageFiles: string[] = [];
  const coverageDirs: string[] = [];
  const complete = await walkWorkspace(
    workspace,
    (path, isDirectory) => {
      if (isDirectory) {
        if (isCoverage(path)) coverageDirs.push(path);
        return;
      }
      if (isReport(path) && reports.length < LIMITS.reports) reports.push(path);
      else if (isReport(path)) unread++;
      else if (isCoverage(path)) coverageFiles.push(path);
    },
    LIMITS.entries,
  );
  // Reports past the walk's bounds were not found: said, or "no report matches" would mislead.
  const lines: string[] = complete
    ? []
    : [
        `the workspace has more than ${LIMITS.entries} entries or ${MAX_DEPTH} levels of directories: reports past them were not looked for`,
      ];
  const tests = await readJunit(workspace, inputs.reports, reports, lines, new CaseSink(mask));
  // The counts are then short: the log says so rather than let them pass for all.
  if (unread > 0)
    lines.push(
      `unit tests: ${unread} more file(s) match ${inputs.reports}, not read (a step reads at most ${LIMITS.reports})`,
    );
  const zipped = [...reports];
  if (inputs.coverage) {
    const sites = await siteFiles(workspace, coverageDirs);
    const candidates = [
      ...coverageFiles,
      ...sites.filter((f) => coverageDirs.some((d) => COVERAGE_FILES.some((n) => f === `${d}/${n}`))),
    ];
    const coverage = await readCoverage(workspace, inputs.coverage, candidates, lines);
    if (tests && coverage) tests.coverage = coverage;
    zipped.push(...coverageFiles, ...sites);
  }
  return { lines, ...(tests && { tests }), files: [...new Set(zipped)].slice(0, LIMITS.zipFiles) };
}

async function readJunit(
  workspace: string,
  glob: string,
  paths: string[],
  lines: string[],
  sink: CaseSink,
): Promise<StepTests | undefined> {
  if (paths.length === 0) {
    lines.push(`unit tests: no report matches ${glob}`);
    return undefined;
  }
  const total: TestCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const listed: string[] = [];
  const problems: string[] = [];
  let read = 0;
  for (const path of paths) {
    const problem = await tooLarge(workspace, path);
    let warning: string | undefined;
    const counts = problem
      ? undefined
      : await readJunitFile({ root: workspace, path }, sink, (w) => (warning = w)).catch(xmlProblem);
    // Said of a report, counted or not (an unknown encoding may be why it broke), not of other XML.
    if (warning && counts) problems.push(`  ${path}: ${warning}`);
    if (problem || typeof counts === 'string') {
      problems.push(`  ${path}: ${problem ?? counts}; not counted`);
      continue;
    }
    if (!counts) continue;
    read++;
    for (const k of ['tests', 'failures', 'errors', 'skipped'] as const)
      total[k] = Math.min(MAX_TEST_COUNT, total[k] + counts[k]);
    if (listed.length < LIMITS.listed) listed.push(`  ${path}: ${describeCounts(counts)}`);
  }
  if (read === 0) {
    lines.push(
      `unit tests: ${paths.length} file(s) match ${glob}, none a JUnit XML report that could be read`,
    );
    lines.push(...problems);
    return undefined;
  }
  const more = read > LIMITS.listed ? [`  ... and ${read - LIMITS.listed} more`] : [];
  const cases = sink.kept();
  const kept =
    cases.length < total.tests
      ? [`  (${cases.length} of the ${total.tests} test cases kept, those that did not pass first)`]
      : [];
  lines.push(
    `unit tests (${glob}): ${read} report${read === 1 ? '' : 's'}, ${describeCounts(total)}`,
    ...listed,
    ...more,
    ...problems,
    ...kept,
  );
  return { counts: total, cases };
}

async function readCoverage(
  workspace: string,
  glob: string,
  paths: string[],
  lines: string[],
): Promise<Coverage | undefined> {
  const found: Coverage[] = [];
  for (const path of paths) {
    const problem = await tooLarge(workspace, path);
    let warning: string | undefined;
    const coverage = problem
      ? undefined
      : await readCoverageFile({ root: workspace, path }, (w) => (warning = w)).catch(xmlProblem);
    if (warning && coverage) lines.push(`coverage: ${path}: ${warning}`);
    if (problem || typeof coverage === 'string') lines.push(`coverage: ${path}: ${problem ?? coverage}`);
    else if (coverage) found.push(coverage);
  }
  const sum = sumCoverage(found);
  if (!sum) {
    lines.push(`coverage: no JaCoCo or Cobertura XML report under ${glob}`);
    return undefined;
  }
  const branches = percentOf(sum.branchesCovered, sum.branchesTotal);
  lines.push(
    `coverage (${sum.format}, ${found.length} report${found.length === 1 ? '' : 's'}): lines ${sum.linesCovered}/${sum.linesTotal} ${percentOf(sum.linesCovered, sum.linesTotal)}` +
      (branches ? `, branches ${sum.branchesCovered}/${sum.branchesTotal} ${branches}` : ''),
  );
  return sum;
}

/** The files under the coverage directories (an HTML site with its XML), for the zip. */
async function siteFiles(workspace: string, dirs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const dir of dirs) {
    if (dirs.some((other) => other !== dir && dir.startsWith(`${other}/`))) continue;
    await walkWorkspace(
      workspace,
      (path, isDirectory) => {
        if (!isDirectory) files.push(path);
        return files.length >= LIMITS.zipFiles ? 'stop' : undefined;
      },
      LIMITS.entries,
      dir,
    );
  }
  return files;
}

async function tooLarge(workspace: string, path: string): Promise<string | undefined> {
  const size = await sizeOf({ root: workspace, path }).catch(() => undefined);
  if (size === undefined) return 'not a regular file';
  return size > LIMITS.fileBytes ? `larger than ${LIMITS.fileBytes / 1024 / 1024} MiB` : undefined;
}

/** A malformed report's problem as text; any other error is the runner's and goes on up. */
function xmlProblem(error: unknown): string {
  if (error instanceof XmlSyntaxError) return `not well-formed XML (${error.message})`;
  throw error;
}

/**
 * Keeps the step's report files as the build's artifact `test-reports-stage<N>.zip`, which
 * DownloadJunitCoverageZip serves. A server that keeps no artifacts, or refuses this one, costs the
 * zip only (a log line says why); the counts and cases go with the step's end whatever happens here.
 */
export async function keepReportZip(
  ctx: TransferContext,
  scratch: string,
  stepIndex: number,
  files: string[],
): Promise<void> {
  const name = reportZipName(stepIndex);
  const target = join(scratch, name);
  try {
    await zipWorkspaceFiles(ctx.workspace, files, target);
    const stored = await keepFile(ctx, { root: scratch, path: name }, name, '');
    ctx.line(
      `kept ${files.length} report file${files.length === 1 ? '' : 's'} as artifact ${name} (${describeSize(stored.size)})`,
    );
  } catch (error) {
    if (error instanceof LeaseLostError || ctx.signal.aborted) throw error;
    ctx.line(`the reports were not kept as ${name}: ${(error as Error).message}`);
  } finally {
    await rm(target, { force: true });
  }
}
