import { getEventListeners } from 'node:events';
import { expect, it } from 'vitest';
import { pause } from '../../src/domain/retry.ts';
import { untilAborted } from '../../src/runner/until-aborted.ts';

/**
 * Waiting on a runner's one shutdown signal, again and again (each backoff through an outage, each
 * step's output): nothing is left listening on it once a wait is over, and an abort ends a wait.
 */

it('leaves no listener on the signal after a pause or a wait, however many', async () => {
  const shutdown = new AbortController();
  for (let i = 0; i < 20; i++) {
    await pause(1, shutdown.signal);
    await untilAborted(Promise.resolve(i), shutdown.signal);
  }
  expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
});

it('ends a pause when the signal aborts', async () => {
  const shutdown = new AbortController();
  const slept = pause(60_000, shutdown.signal);
  shutdown.abort();
  await slept;
  expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
});
