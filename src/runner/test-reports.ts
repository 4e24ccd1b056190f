import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeCounts, globToRegExp, junitCounts, type TestCounts } from '../domain/tool-inputs.ts';

/** Bounds that keep a summary cheap whatever a build leaves in its workspace. */
const LIMITS = { entries: 100_000, reports: 1_000, fileBytes: 20 * 1024 * 1024, listed: 20 };

/**
 * The log lines that sum up the JUnit XML reports (and their total, kept with the step's end) under `workspace` matching `glob` (relative
 * paths), read by the runner after the step's processes have all ended. Symbolic links are not
 * followed (the runner may be root; a build could point one anywhere), `.git` is skipped, and
 * the walk stops at fixed bounds.
 */
export async function summariseReports(
  workspace: string,
  glob: string,
): Promise<{ lines: string[]; total?: TestCounts }> {
  const pattern = globToRegExp(glob);
  const matches: string[] = [];
  let seen = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (++seen > LIMITS.entries || matches.length >= LIMITS.reports) return;
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== '.git') await walk(join(dir, entry.name), path);
      else if (entry.isFile() && pattern.test(path)) matches.push(path);
    }
  };
  await walk(workspace, '');
  if (matches.length === 0) return { lines: [`unit tests: no report matches ${glob}`] };
  matches.sort();
  const total: TestCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const lines: string[] = [];
  let read = 0;
  for (const path of matches) {
    const file = join(workspace, path);
    const stat = await lstat(file).catch(() => undefined);
    if (!stat?.isFile() || stat.size > LIMITS.fileBytes) continue;
    const counts = junitCounts(await readFile(file, 'utf8').catch(() => ''));
    if (!counts) continue;
    read++;
    for (const k of ['tests', 'failures', 'errors', 'skipped'] as const) total[k] += counts[k];
    if (lines.length < LIMITS.listed) lines.push(`  ${path}: ${describeCounts(counts)}`);
  }
  if (read === 0)
    return { lines: [`unit tests: ${matches.length} file(s) match ${glob}, none a JUnit XML report`] };
  const more = read > LIMITS.listed ? [`  ... and ${read - LIMITS.listed} more`] : [];
  return {
    lines: [
      `unit tests (${glob}): ${read} report${read === 1 ? '' : 's'}, ${describeCounts(total)}`,
      ...lines,
      ...more,
    ],
    total,
  };
}
