import { AppError, type AppErrorCode } from './errors.ts';

/**
 * One rule for trying again, used by every loop that waits out an outage (a runner's reports, its
 * log streamer and its requests for work, the PostgreSQL listener): waits double from `firstMs` up
 * to `maxMs`, each drawn at random from its upper half, so that runners that lost the server
 * together do not all come back in the same instant.
 */
export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
}

/** The waits of one outage, in order; `reset` when a call gets through. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next wait in milliseconds. */
  next(): number {
    const ceiling = Math.min(this.policy.maxMs, this.policy.firstMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Catalogue codes that describe a passing state of the server, not a decision about the request. */
const TRANSIENT_CODES: ReadonlySet<AppErrorCode> = new Set(['STORE_UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL']);

/** HTTP statuses worth trying again: timeouts, throttling and server faults; never 401 or 403. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * True when trying the same call again later could succeed. An error may say so itself with a
 * boolean `transient` (protocol answers such as "lease lost", "log gap", "log cap" and refused
 * credentials say false); a catalogue error is transient only for the store or a rate limit; an
 * aborted call is not; anything else (a reset connection, a timeout, a driver fault) is.
 */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const hint = (error as { transient?: unknown }).transient;
  if (typeof hint === 'boolean') return hint;
  if (error instanceof AppError) return TRANSIENT_CODES.has(error.code);
  return (error as { name?: unknown }).name !== 'AbortError';
}

/** How `retry` retries. */
export interface RetryOptions {
  backoff: BackoffPolicy;
  /** Give up after this long (the last error is thrown); without it, retry until told to stop. */
  patienceMs?: number;
  /** Stops waiting at once; the last error is thrown. */
  signal?: AbortSignal;
  /** Give up after this many calls in all (the last error is thrown); without it, no such cap. */
  attempts?: number;
  /** Which errors to retry (default `isTransient`). */
  transient?: (error: unknown) => boolean;
  /** Told of each failure that will be retried, with the wait before the next attempt. */
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
  random?: () => number;
  now?: () => number;
}

/** Waits `ms`, or less when `signal` fires (then no timer is left behind). */
export const pause = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Calls `fn` until it succeeds, retrying transient failures with backoff; a failure that is not
 * transient, or one after `patienceMs` or once `signal` is aborted (also while waiting), is thrown. `fn` gets the
 * attempt number (1 for the first call).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const deadline = options.patienceMs === undefined ? Infinity : now() + options.patienceMs;
  const backoff = new Backoff(options.backoff, options.random);
  const transient = options.transient ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (
        !transient(error) ||
        options.signal?.aborted ||
        now() > deadline ||
        attempt >= (options.attempts ?? Infinity)
      )
        throw error;
      const wait = Math.min(backoff.next(), Math.max(0, deadline - now()));
      options.onRetry?.(error, attempt, wait);
      await pause(wait, options.signal);
      // Aborted while waiting: no attempt more (what it would send, nobody wants any longer).
      if (options.signal?.aborted) throw error;
    }
  }
}
