import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunnerPeer } from '../../src/protocol/runner-protocol.ts';
import { HttpRunnerPeer } from '../../src/runner/http-peer.ts';
import { Runner } from '../../src/runner/runner.ts';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * A runner told to stop (SIGTERM of `kiln serve` / `kiln runner`) while its request for work is
 * being answered: the claim completes after the stop. The runner gives the build back (release),
 * so it waits at its place in the queue, untouched, and runs on the next runner: after a restart of
 * the server for its own runner (which ends only what its runner still held), or on another runner.
 * A claim the server's own runner still held, unstarted, when the server stopped goes back there too.
 */
let ek: EngineKiln;
let base: string;
beforeAll(async () => {
  ek = await startEngineKiln({ clock: TestClock.live(), leaseMs: 60_000 });
  await ek.kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = ek.kiln.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => ek?.close());

/** A runner on `inner` that is told to stop as soon as its first claim has come back. */
async function stoppedOnClaim(inner: RunnerPeer): Promise<void> {
  let stopping: ((done: Promise<void>) => void) | undefined;
  const stopped = new Promise<Promise<void>>((resolve) => (stopping = resolve));
  // Object.create: the other calls stay the inner peer's own (an HttpRunnerPeer's are its methods).
  const racing = Object.create(inner) as RunnerPeer;
  racing.next = async (signal, place) => {
    const lease = await inner.next(signal, place);
    if (lease && stopping) {
      stopping(runner.stop());
      stopping = undefined;
    }
    return lease;
  };
  const runner = new Runner(racing, await testRunnerOptions(1));
  runner.start();
  await await stopped;
}

/** Once its runner stopped: the build waits first in the queue, held by no runner, its log empty. */
async function expectQueued(job: string): Promise<void> {
  expect(await ek.record(job, 1)).toMatchObject({ job_running_status: 'Starting', state: '' });
  const queue = (await ek.get('/v1/kiln/queue')).json().result.builds as { job_id: string }[];
  expect(queue.find((q) => q.job_id === job)).toMatchObject({ status: 'queued', position: 1, runner: '' });
  expect(await ek.log(job, 1)).toBe('');
}

async function runsOn(peer: RunnerPeer, job: string): Promise<void> {
  const runner = new Runner(peer, await testRunnerOptions(1));
  runner.start();
  try {
    const r = await ek.waitFinished(job, 1, 20_000);
    expect(r.state, await ek.log(job, 1)).toBe('SUCCESS');
  } finally {
    await runner.stop();
  }
}

it("the server's own runner gives back a build claimed while it stops; it runs after the restart", async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('ok', 'echo ran-ok')] });
  await ek.run(job);
  const id = 'local:stopping';
  await stoppedOnClaim(ek.kiln.engine.dispatch.peer(id));
  await expectQueued(job);

  // The server restarts: it ends what its runner held (nothing), and a new runner takes the queue.
  expect(await ek.kiln.engine.dispatch.recoverRunner(id)).toBe(0);
  await runsOn(ek.kiln.engine.dispatch.peer(id), job);
});

it('a remote runner gives back over HTTP a build it got while stopping; another runner runs it', async () => {
  const res = await ek.post('/v1/kiln/runners', { name: 'stopping-remote' });
  expect(res.statusCode, res.body).toBe(201);
  const job = await ek.newJob({ scms: [], steps: [shell('ok', 'echo ran-ok')] });
  await ek.run(job);
  await stoppedOnClaim(new HttpRunnerPeer(base, res.json().result.token as string));
  await expectQueued(job);
  await runsOn(ek.kiln.engine.dispatch.peer('local:other'), job);
});

it('a build its own runner had claimed but not started when the server stopped goes back to the queue at the restart', async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('ok', 'echo ran-ok')] });
  await ek.run(job);
  const id = 'local:crashed';
  // The claim came back and the server stopped (a crash, SIGKILL) before the runner reported a start.
  expect(await ek.kiln.engine.dispatch.peer(id).next(new AbortController().signal)).toBeDefined();

  expect(await ek.kiln.engine.dispatch.recoverRunner(id)).toBe(1);
  expect(await ek.record(job, 1)).toMatchObject({ job_running_status: 'Starting', state: '' });
  const queue = (await ek.get('/v1/kiln/queue')).json().result.builds as { job_id: string }[];
  expect(queue.find((q) => q.job_id === job)).toMatchObject({ status: 'queued', position: 1, runner: '' });
  expect(await ek.log(job, 1)).toMatch(
    /the server stopped while .* was starting this build; back at its place/,
  );
  await runsOn(ek.kiln.engine.dispatch.peer(id), job);
  expect(await ek.log(job, 1)).toContain('ran-ok');
});
