import { LeaseLostError, LogGapError } from '../protocol/runner-protocol.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Retries a report the build cannot go on without (checkout done, step boundaries, the outcome)
 * while the server or its database is unreachable, with backoff, for up to `patienceMs` (after a
 * lease's length the server has taken the build back anyway). Protocol answers (lease lost, log
 * gap) are not retried: they are decisions, not faults.
 */
export async function persist<T>(
  fn: () => Promise<T>,
  patienceMs: number,
  onRetry: (error: unknown) => void = () => {},
): Promise<T> {
  const deadline = Date.now() + patienceMs;
  let delay = 100;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof LeaseLostError || error instanceof LogGapError || Date.now() > deadline)
        throw error;
      onRetry(error);
      await sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
