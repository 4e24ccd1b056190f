import type { ResponseOf } from '../contract/operation-types.ts';
import { operations } from '../contract/operations.ts';
import type { Kiln } from './kiln-client.ts';

/**
 * How long the server may hold a follower's read at the end of a running build's log
 * (`wait_ms`): new bytes arrive as soon as they are written, without polling.
 */
export const LOG_WAIT_MS = 10_000;

/** Pause after an answer with nothing new, so a server that does not wait is not asked in a tight loop. */
export const LOG_IDLE_MS = 250;

/** Why reading a log stopped. */
export type LogEnd = 'finished' | 'caught-up' | 'interrupted';

/** How to read a build's log. */
export interface ReadLogOptions {
  /** Keep reading while the build runs (otherwise stop at the current end of the log). */
  follow: boolean;
  /** Gets each piece of text, in order. */
  onText: (text: string) => void;
  /** Stops reading (Ctrl-C, a page left), the held request included: the build is not touched. */
  signal?: AbortSignal;
  /** The byte offset to read from (default 0: the whole log). */
  from?: number;
  /** Pause after an answer with nothing new; LOG_IDLE_MS unless given. */
  idleMs?: number;
  /** Called after every read that succeeded (a caller showing an error can clear it). */
  onRead?: () => void;
  /**
   * Called when a read fails: resolve true to read again (after any pause it makes), false to stop
   * ('interrupted'). Without it the error is thrown.
   */
  retry?: (error: unknown) => Promise<boolean>;
}

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

type LogSlice = ResponseOf<'downloadRealTimeLog'>['result'];

/**
 * Reads a build's log through DownloadRealTimeLog, looping on the returned `offset`; the CLI's
 * `logs`/`run --follow` and the dashboard's log view both read this way. The server says
 * `has_more_data: false` only once the build finished and every byte was read, so that is the end
 * of a followed log; without `follow`, an answer with nothing new (the current end) is the end too.
 * A follower asks the server to hold the read until new bytes come (`wait_ms`). The raw request is
 * used because it takes an AbortSignal: stopping ends a held read at once.
 */
export async function readLog(
  client: Kiln,
  jobId: string,
  buildNo: number,
  options: ReadLogOptions,
): Promise<LogEnd> {
  const { signal } = options;
  const path = operations.downloadRealTimeLog.path
    .replace('{job_id}', encodeURIComponent(jobId))
    .replace('{build_no}', String(buildNo));
  let offset = options.from ?? 0;
  for (;;) {
    if (signal?.aborted) return 'interrupted';
    const query = options.follow ? { offset, wait_ms: LOG_WAIT_MS } : { offset };
    let slice: LogSlice;
    try {
      const response = await client.request({
        method: operations.downloadRealTimeLog.method,
        path,
        query,
        ...(signal && { signal }),
      });
      slice = (await client.read('downloadRealTimeLog', response)).result;
    } catch (error) {
      if (signal?.aborted) return 'interrupted';
      if (!options.retry) throw error;
      if (await options.retry(error)) continue;
      return 'interrupted';
    }
    if (signal?.aborted) return 'interrupted';
    options.onRead?.();
    if (slice.content !== '') options.onText(slice.content);
    if (!slice.has_more_data) return 'finished';
    const progressed = slice.offset > offset;
    offset = slice.offset;
    if (progressed) continue;
    if (!options.follow) return 'caught-up';
    if (!(await pause(options.idleMs ?? LOG_IDLE_MS, signal))) return 'interrupted';
  }
}
