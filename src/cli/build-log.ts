import type { Kiln } from '../client/kiln-client.ts';
import { EXIT } from './context.ts';

/** How long to wait before asking again when a running build has written nothing new. */
export const LOG_POLL_MS = 500;

/** Why a log stream stopped. */
export type LogEnd = 'finished' | 'caught-up' | 'interrupted';

/** How to stream a build's log. */
export interface LogStreamOptions {
  /** Keep polling while the build runs (otherwise stop at the current end of the log). */
  follow: boolean;
  write: (text: string) => void;
  /** Stops the stream (Ctrl-C): the build itself is not touched. */
  signal?: AbortSignal;
  pollMs?: number;
}

/** The build outcomes that end a `--follow`, as exit codes (docs/cli.md). */
export const OUTCOME_EXIT: Readonly<Record<string, number>> = {
  SUCCESS: EXIT.ok,
  FAILURE: EXIT.buildFailed,
  ABORTED: EXIT.buildAborted,
  timeout: EXIT.buildTimeout,
};

/** Resolves to undefined as soon as `signal` fires, else to what `work` resolves to. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const stop = () => resolve(undefined);
    signal.addEventListener('abort', stop, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', stop);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(error as Error);
      },
    );
  });
}

const pause = (ms: number, signal: AbortSignal | undefined) =>
  unlessAborted(new Promise<true>((r) => setTimeout(() => r(true), ms)), signal);

/**
 * Writes a build's log through DownloadRealTimeLog, looping on the returned `offset`. The server
 * says `has_more_data: false` only once the build finished and every byte was read, so that is
 * the end of a followed log; without `follow`, an empty answer (the current end) is the end too.
 */
export async function streamLog(
  client: Kiln,
  jobId: string,
  buildNo: number,
  options: LogStreamOptions,
): Promise<LogEnd> {
  let offset = 0;
  for (;;) {
    const answer = await unlessAborted(
      client.downloadRealTimeLog({ params: { job_id: jobId, build_no: buildNo }, query: { offset } }),
      options.signal,
    );
    if (answer === undefined) return 'interrupted';
    const slice = answer.result;
    if (slice.content !== '') options.write(slice.content);
    if (!slice.has_more_data) return 'finished';
    const progressed = slice.offset > offset;
    offset = slice.offset;
    if (progressed) continue;
    if (!options.follow) return 'caught-up';
    if ((await pause(options.pollMs ?? LOG_POLL_MS, options.signal)) === undefined) return 'interrupted';
  }
}

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

/** Exit code after Ctrl-C stopped following (128 + SIGINT, as shells report it). */
export const INTERRUPTED_EXIT = 130;
