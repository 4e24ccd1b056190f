import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * Probe: StopBuildJob lands while the build is claimed but before its runner has it, and the claim
 * then goes back to the queue (the remote runner hung up: runner-protocol.routes.ts `next` calls
 * dispatch.release; a build.yml hand-back does the same through requeue). The stop answered
 * success and set only `cancel_requested`; release/requeue put the build back in the queue as if
 * nothing was asked, so it waits there, Starting, until some runner takes it (forever when none
 * comes), instead of ending ABORTED.
 */
let ek: EngineKiln;
beforeAll(async () => {
  ek = await startEngineKiln({ clock: TestClock.live() }); // no runner: the test plays its part
});
afterAll(() => ek?.close());

it('a build stopped while its claim was in flight ends ABORTED when the claim comes back', async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo never')] });
  await ek.run(job);
  const dispatch = ek.kiln.engine.dispatch;
  const lease = await dispatch.next('remote:probe', new AbortController().signal, 0);
  expect(lease).toBeDefined();

  const stop = await ek.post(`/v3/jobs/${job}/1/stop`);
  expect(stop.json()).toEqual({ success: true, result: '' });

  // The runner's connection was gone: the server hands the claim back.
  await dispatch.release('remote:probe', lease!.recordId);

  const r = await ek.record(job, 1);
  const queue = await ek.get('/v1/kiln/queue');
  expect({ status: r.job_running_status, state: r.state }, queue.body).toEqual({ status: 'Finished', state: 'ABORTED' });
});
