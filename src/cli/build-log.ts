import { ApiError } from '../client/api-error.ts';
import type { Kiln } from '../client/kiln-client.ts';
import { readLog } from '../client/log-follower.ts';
import { Backoff, isTransientStatus, pause, retry, type BackoffPolicy } from '../domain/retry.ts';
import { CliError, EXIT, type CliContext } from './context.ts';

/** The build outcomes that end a `--follow`, as exit codes (docs/cli.md). */
export const OUTCOME_EXIT: Readonly<Record<string, number>> = {
  SUCCESS: EXIT.ok,
  FAILURE: EXIT.buildFailed,
  ABORTED: EXIT.buildAborted,
  timeout: EXIT.buildTimeout,
};

/**
 * An AbortSignal fired by the first Ctrl-C (SIGINT), for a command that says what it leaves
 * behind: following a log stops following, not the build; a download keeps its NAME.part. A
 * second Ctrl-C kills the CLI as usual (the handler is installed once).
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}

/**
 * How long a follower waits for a server it lost: a restart (an upgrade, a crash and its
 * supervisor) takes seconds; a server still gone after this is said as such.
 */
export const FOLLOW_PATIENCE_MS = 5 * 60_000;

/** Waits between tries while the server is away: from half a second up to 10 s. */
const FOLLOW_BACKOFF: BackoffPolicy = { firstMs: 500, maxMs: 10_000 };

/** A failure a server coming back would cure: no answer at all, or a proxy's 502/503 meanwhile. */
const serverAway = (error: unknown) =>
  error instanceof ApiError && (error.status === 0 || isTransientStatus(error.status));

/**
 * What a follower says on stderr about an outage: once when it loses the server, once when the
 * server is back (not at every try).
 */
function outageNotes(ctx: CliContext, client: Kiln) {
  let lostAt: number | undefined;
  return {
    /** When the server was lost (now, at the first failure of an outage). */
    lost(): number {
      if (lostAt === undefined) {
        lostAt = Date.now();
        ctx.err(
          `lost the server at ${client.baseUrl}; trying again for up to ${FOLLOW_PATIENCE_MS / 60_000} minutes (Ctrl-C stops following)\n`,
        );
      }
      return lostAt;
    },
    /** A call got through: true when that ends an outage. */
    back(): boolean {
      if (lostAt === undefined) return false;
      lostAt = undefined;
      ctx.err(`the server at ${client.baseUrl} is back; following on\n`);
      return true;
    },
  };
}

/**
 * readLog's `retry` and `onRead` for a follower that outlives a server restart: a read that failed
 * because the server is away is tried again with backoff (domain/retry.ts) for up to
 * FOLLOW_PATIENCE_MS; any other failure, or one past that time, is thrown as it is.
 */
function outageRetry(ctx: CliContext, client: Kiln, signal: AbortSignal) {
  const backoff = new Backoff(FOLLOW_BACKOFF);
  const notes = outageNotes(ctx, client);
  return {
    retry: async (error: unknown): Promise<boolean> => {
      if (!serverAway(error) || Date.now() - notes.lost() > FOLLOW_PATIENCE_MS) throw error;
      await pause(backoff.next(), signal);
      return !signal.aborted;
    },
    onRead: () => {
      if (notes.back()) backoff.reset();
    },
  };
}

/**
 * A finished build's state and the exit code it maps to (1 for a state Kiln does not know). It is
 * asked right after a followed log ended, which may be the server's restart ending the build
 * (ABORTED): a server away is waited for as the follower waits.
 */
export async function buildOutcome(
  ctx: CliContext,
  client: Kiln,
  jobId: string,
  buildNo: number,
): Promise<{ state: string; exitCode: number }> {
  const notes = outageNotes(ctx, client);
  const answer = await retry(
    () => client.showBuildInfoRecord({ params: { job_id: jobId, build_no: buildNo } }),
    {
      backoff: FOLLOW_BACKOFF,
      patienceMs: FOLLOW_PATIENCE_MS,
      transient: serverAway,
      onRetry: () => notes.lost(),
    },
  );
  notes.back();
  const { state } = answer.result;
  return { state, exitCode: OUTCOME_EXIT[state] ?? EXIT.failed };
}

/**
 * Prints a build's log to stdout, following it while the build runs when `follow` is set. The
 * first Ctrl-C while following stops following (not the build): the CLI exits 130 saying
 * `stopped`. A follower outlives a restart of the server (outageRetry).
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
      onText: ctx.log,
      ...(interrupt && { signal: interrupt.signal, ...outageRetry(ctx, client, interrupt.signal) }),
    });
    if (end === 'interrupted') throw new CliError(stopped, EXIT.interrupted);
  } finally {
    interrupt?.dispose();
  }
}
