import type { Build, BuildStep } from './build.ts';
import { formatDuration } from './duration.ts';
import { invalidParam } from './errors.ts';

/**
 * `log_level` of the log downloads (DownloadBuildLog, DownloadBuildFullLog, DownloadTaskLog):
 * INFO (the default) is the log as the build wrote it; DEBUG adds, after it, what Kiln knows of
 * the build beyond its output: when it was queued, started and ended, what it built, and each
 * step's module, outcome, times and place in the log. The stored log is the same either way.
 */
export type LogLevel = 'INFO' | 'DEBUG';

/** The level a query asks for (any case); INFO when none; a 400 for anything else. */
export function logLevel(text: string | undefined): LogLevel {
  const level = (text ?? 'INFO').toUpperCase();
  if (level !== 'INFO' && level !== 'DEBUG')
    throw invalidParam(`log_level "${text}" is neither INFO nor DEBUG`);
  return level;
}

const at = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
const span = (from: number | null, to: number | null) =>
  from === null || to === null ? '' : ` (${formatDuration(to - from)})`;

/** The lines DEBUG adds after a whole build's log. */
export function buildDebugLines(build: Build, steps: readonly BuildStep[], logSize: number): string {
  const lines = [
    `record ${build.recordId}, job ${build.jobId}, build #${build.number} (${build.dailyBuildNumber})`,
    `trigger ${build.triggerType} by ${build.executor || build.userId}; ${build.runningStatus}${build.state ? ` ${build.state}` : ''}`,
    `queued ${at(build.startTime)}, started ${at(build.runStartedAt)}${span(build.startTime, build.runStartedAt)}, finished ${at(build.finishedAt)}${span(build.runStartedAt, build.finishedAt)}`,
    `${build.buildType} ${build.codeBranch || '-'} at ${build.commitId || '-'}${build.requestedCommit ? ` (asked for ${build.requestedCommit})` : ''}`,
    ...steps.map((s) => stepLine(s)),
    `log ${logSize} bytes`,
  ];
  return debugText(lines);
}

/** The line DEBUG adds after one step's log. */
export function stepDebugLines(step: BuildStep): string {
  return debugText([stepLine(step)]);
}

function stepLine(s: BuildStep): string {
  const bytes = s.logStart === null ? 'no output' : `log bytes ${s.logStart}-${s.logEnd ?? ''}`;
  return `step ${s.index + 1} "${s.name}" (${s.moduleId}${s.enabled ? '' : ', disabled'}): ${s.status || 'not run'}, ${at(s.startedAt)} to ${at(s.finishedAt)}${span(s.startedAt, s.finishedAt)}, ${bytes}`;
}

function debugText(lines: string[]): string {
  return lines.map((l) => `[kiln debug] ${l}\n`).join('');
}
