import type { Kiln } from '../client/kiln-client.ts';
import type { ResponseOf } from '../contract/operation-types.ts';
import { operations } from '../contract/operations.ts';
import { EXIT } from './context.ts';

/** How long to wait before asking again when a running build has written nothing new. */
export const LOG_POLL_MS = 500;

/**
 * How long the server may hold a follower's request at the end of a running build's log
 * (`wait_ms`): new bytes are printed as soon as they are written, without polling.
 */
export const LOG_WAIT_MS = 10_000;

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

/** Waits `ms`; resolves false at once when `signal` fires (then no timer is left behind). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** One DownloadRealTimeLog call; aborting `signal` cancels it (a held request included). */
async function logSlice(
  client: Kiln,
  path: string,
  query: { offset: number; wait_ms?: number },
  signal: AbortSignal | undefined,
): Promise<ResponseOf<'downloadRealTimeLog'>['result'] | undefined> {
  try {
    const response = await client.request({ method: 'GET', path, query, ...(signal && { signal }) });
    return ((await response.json()) as ResponseOf<'downloadRealTimeLog'>).result;
  } catch (error) {
    if (signal?.aborted) return undefined;
    throw error;
  }
}

/**
 * Writes a build's log through DownloadRealTimeLog, looping on the returned `offset`. The server
 * says `has_more_data: false` only once the build finished and every byte was read, so that is
 * the end of a followed log; without `follow`, an empty answer (the current end) is the end too.
 * A follower asks the server to hold the call until new bytes come (`wait_ms`), and still pauses
 * after an empty answer so a server that does not wait is not asked in a tight loop.
 */
export async function streamLog(
  client: Kiln,
  jobId: string,
  buildNo: number,
  options: LogStreamOptions,
): Promise<LogEnd> {
  const path = operations.downloadRealTimeLog.path
    .replace('{job_id}', encodeURIComponent(jobId))
    .replace('{build_no}', String(buildNo));
  let offset = 0;
  for (;;) {
    if (options.signal?.aborted) return 'interrupted';
    const query = options.follow ? { offset, wait_ms: LOG_WAIT_MS } : { offset };
    const slice = await logSlice(client, path, query, options.signal);
    if (slice === undefined) return 'interrupted';
    if (slice.content !== '') options.write(slice.content);
    if (!slice.has_more_data) return 'finished';
    const progressed = slice.offset > offset;
    offset = slice.offset;
    if (progressed) continue;
    if (!options.follow) return 'caught-up';
    if (!(await pause(options.pollMs ?? LOG_POLL_MS, options.signal))) return 'interrupted';
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
