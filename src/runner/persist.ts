import { retry } from '../domain/retry.ts';

/** Waits between a report's attempts. */
export const REPORT_BACKOFF = { firstMs: 100, maxMs: 5_000 } as const;

/**
 * Retries a report the build cannot go on without (checkout done, step boundaries, the outcome)
 * while the server or its database is unreachable, for up to `patienceMs` (after a lease's length
 * the server has taken the build back anyway). Only transient failures are retried
 * (domain/retry.ts): protocol answers (lease lost, log gap, log cap) and a refused token are
 * decisions, not faults.
 */
export async function persist<T>(
  fn: () => Promise<T>,
  patienceMs: number,
  onRetry: (error: unknown) => void = () => {},
): Promise<T> {
  return retry(fn, { backoff: REPORT_BACKOFF, patienceMs, onRetry: (error) => onRetry(error) });
}
