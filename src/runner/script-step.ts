import { maskSecretText } from '../domain/secret-text.ts';
import type { StepTests } from '../domain/test-report.ts';
import type { TransferContext } from './artifact-transfer.ts';
import type { BuildOutput } from './build-output.ts';
import type { BuildStop } from './build-stop.ts';
import type { BuildDirs, Sandbox } from './sandbox.ts';
import type { StepEnd } from './step-end.ts';
import { writeHomeFile } from './step-files.ts';
import type { StepWork } from './step-work.ts';
import { collectReports, keepReportZip } from './test-reports.ts';

/** A step that runs a script (the shell's, or an action's own). */
export type ScriptWork = Extract<StepWork, { script: string }>;

/** What a script step needs of its build. */
export interface ScriptStepContext {
  sandbox: Sandbox;
  dirs: BuildDirs & { root: string };
  owner: { uid: number; gid: number } | undefined;
  /** The build's environment. */
  env: Record<string, string>;
  output: BuildOutput;
  stop: BuildStop;
  transfers: TransferContext;
  /** The build's sensitive values, masked in what its reports say. */
  secrets: string[];
}

/** Exit code of a process killed by SIGXFSZ: it wrote past the largest file allowed. */
const FILE_TOO_LARGE = 128 + 25;

/**
 * How a step's script runs: `bash -e script`, with stderr joined to stdout by bash itself. The
 * script is sourced, so bash still names it (as `$0` and in its error messages, with its own line
 * numbers). `$1` names the tool the step needs: when it is not on the PATH, `$2` says so and the
 * step fails at once (127, as bash for a missing command).
 */
const STEP_SHELL =
  'exec 2>&1; if [ -n "$1" ] && ! command -v "$1" >/dev/null 2>&1; then printf "%s\\n" "$2"; exit 127; fi; set -e; . "$0"';

/**
 * Runs step `index`'s script (written to the build's ctl directory as `script`) in the workspace,
 * then reads the test reports it names. It says how the step ended; the build writes the closing
 * line (step-end.ts), as it does for every step.
 */
export async function runScriptStep(
  ctx: ScriptStepContext,
  index: number,
  todo: ScriptWork,
  script: string,
): Promise<StepEnd & { tests?: StepTests }> {
  const { sandbox, output, stop } = ctx;
  for (const note of todo.notes ?? []) output.line(note);
  if (todo.mavenSettings !== undefined) {
    writeHomeFile(ctx.dirs.home, '.m2/settings.xml', todo.mavenSettings, ctx.owner);
    output.line(`wrote ~/.m2/settings.xml with the step's public repositories`);
  }
  const result = await sandbox.exec(
    {
      file: '/bin/bash',
      args: ['-c', STEP_SHELL, `${sandbox.inside.ctl}/${script}`, todo.tool ?? '', todo.missing ?? ''],
      cwd: sandbox.inside.workspace,
      env: ctx.env,
    },
    output.write,
    stop.signal,
  );
  const ok = result.exitCode === 0 && !stop.reason;
  output.end();
  let tests: StepTests | undefined;
  if (todo.reports !== undefined && !stop.reason) {
    const collected = await collectReports(ctx.dirs.workspace, todo.reports, (text) =>
      maskSecretText(text, ctx.secrets),
    );
    for (const text of collected.lines) output.line(text);
    tests = collected.tests;
    if (collected.files.length > 0) await keepReportZip(ctx.transfers, ctx.dirs.root, index, collected.files);
  }
  const end: StepEnd = ok
    ? { ok }
    : result.exitCode === FILE_TOO_LARGE
      ? { ok, reason: 'a file reached the largest size a build may write (KILN_BUILD_MAX_DISK_BYTES)' }
      : { ok, exitCode: result.exitCode ?? result.signal ?? undefined };
  return { ...end, ...(tests && { tests }) };
}
