import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunnerPeer } from '../../src/protocol/runner-protocol.ts';
import { Runner } from '../../src/runner/runner.ts';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, waitUntil, type EngineKiln } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * Probe: a runner told to stop (SIGTERM of `kiln serve` / `kiln runner`) while its request for work
 * is being answered. The claim completes, the runner sees its shutdown signal and drops the lease
 * (runner.ts: `if (!lease || signal.aborted) continue;`): the build neither runs nor goes back to the
 * queue. docs/deployment.md: a stopped runner "stops taking work"; "a build claimed for a runner that
 * hung up before receiving it goes back to its place in the queue"; ARCHITECTURE: "queued builds stay
 * queued" across a restart. Here the next server start (recoverRunner) ends it ABORTED instead,
 * though it never ran.
 */
let ek: EngineKiln;
beforeAll(async () => {
  ek = await startEngineKiln({ clock: TestClock.live(), leaseMs: 60_000 });
});
afterAll(() => ek?.close());

it('a build claimed while the runner is stopping is not lost: it runs after the restart', async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('ok', 'echo ran-ok')] });
  await ek.run(job);

  const id = 'local:probe';
  const inner = ek.kiln.engine.dispatch.peer(id);
  let stopping: Promise<void> | undefined;
  let first: Runner | undefined;
  // The stop request arrives while the claim is in flight (after the store took the build).
  const racing: RunnerPeer = {
    ...inner,
    next: async (signal, place) => {
      const lease = await inner.next(signal, place);
      if (lease && !stopping) stopping = (first as Runner).stop();
      return lease;
    },
  };
  first = new Runner(racing, await testRunnerOptions(1));
  first.start();
  await waitUntil('the claim', () => (stopping ? true : undefined), 15_000);
  await stopping;

  // The server restarts: it ends what its runner held, and a new runner takes the queue.
  await ek.kiln.engine.dispatch.recoverRunner(id);
  const second = new Runner(inner, await testRunnerOptions(1));
  second.start();
  try {
    const r = await ek.waitFinished(job, 1, 20_000);
    expect(r.state, await ek.log(job, 1)).toBe('SUCCESS');
  } finally {
    await second.stop();
  }
});
