import type { Kiln } from '../client/kiln-client.ts';
import { readLog } from '../client/log-follower.ts';
import { CliError, EXIT, type CliContext } from './context.ts';

/** The build outcomes that end a `--follow`, as exit codes (docs/cli.md). */
export const OUTCOME_EXIT: Readonly<Record<string, number>> = {
  SUCCESS: EXIT.ok,
  FAILURE: EXIT.buildFailed,
  ABORTED: EXIT.buildAborted,
  timeout: EXIT.buildTimeout,
};

/** A finished build's state and the exit code it maps to (1 for a state Kiln does not know). */
export async function buildOutcome(
  client: Kiln,
  jobId: string,
  buildNo: number,
): Promise<{ state: string; exitCode: number }> {
  const record = (await client.showBuildInfoRecord({ params: { job_id: jobId, build_no: buildNo } })).result;
  return { state: record.state, exitCode: OUTCOME_EXIT[record.state] ?? EXIT.failed };
}

/**
 * An AbortSignal fired by the first Ctrl-C (SIGINT) while following a log: it stops following,
 * not the build. A second Ctrl-C kills the CLI as usual (the handler is installed once).
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}

/**
 * Prints a build's log to stdout, following it while the build runs when `follow` is set. The
 * first Ctrl-C while following stops following (not the build): the CLI exits 130 saying
 * `stopped`.
 */
export async function printLog(
  ctx: CliContext,
  client: Kiln,
  target: { job: string; build: number },
  follow: boolean,
  stopped: string,
): Promise<void> {
  const interrupt = follow ? interruptSignal() : undefined;
  try {
    const end = await readLog(client, target.job, target.build, {
      follow,
      onText: ctx.out,
      ...(interrupt && { signal: interrupt.signal }),
    });
    if (end === 'interrupted') throw new CliError(stopped, EXIT.interrupted);
  } finally {
    interrupt?.dispose();
  }
}
