import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * StopBuildJob lands while the build is claimed but not started: it can only ask the runner (the
 * build is off the queue). When the claim then comes back (the runner hung up or was stopping:
 * release; its build.yml wants another runner: requeue; its lease ran out: the sweep), nobody
 * would hear that request, so the build ends ABORTED instead of waiting in the queue. No runner:
 * the test plays its part, on a fixed clock, on both stores.
 */
const LEASE_MS = 5_000;
const signal = new AbortController().signal;

describeEachStore('a stop asked while a claim is out', (store) => {
  let ek: EngineKiln;
  let clock: TestClock;
  beforeAll(async () => {
    clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    ek = await startEngineKiln({ store, clock, leaseMs: LEASE_MS });
  });
  afterAll(() => ek?.close());

  /** A build claimed by `runner`, then stopped; returns its job and record id. */
  async function stoppedWhileClaimed(runner: string): Promise<{ job: string; recordId: string }> {
    const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo never')] });
    await ek.run(job);
    const lease = await ek.kiln.engine.dispatch.next(runner, signal, 0);
    expect(lease?.jobId).toBe(job);
    const stop = await ek.post(`/v3/jobs/${job}/1/stop`);
    expect(stop.json()).toEqual({ success: true, result: '' });
    expect((await ek.record(job, 1)).job_running_status).toBe('Starting');
    return { job, recordId: lease!.recordId };
  }

  async function expectAborted(job: string): Promise<void> {
    const r = await ek.record(job, 1);
    const queue = (await ek.get('/v1/kiln/queue')).json().result.builds as { job_id: string }[];
    expect({
      status: r.job_running_status,
      state: r.state,
      queued: queue.some((q) => q.job_id === job),
    }).toEqual({
      status: 'Finished',
      state: 'ABORTED',
      queued: false,
    });
    expect(r.build_time).toBe(0);
  }

  const ended = ['[kiln] the build was stopped before it started', '[kiln] build finished: ABORTED'];

  it('ends ABORTED when the claim is released (its runner hung up or was stopping)', async () => {
    const { job, recordId } = await stoppedWhileClaimed('remote:hung-up');
    await ek.kiln.engine.dispatch.release('remote:hung-up', recordId);
    await expectAborted(job);
    expect((await ek.log(job, 1)).trimEnd().split('\n')).toEqual(ended);
  });

  it("ends ABORTED when its runner hands it back for another runner (build.yml's env.resource)", async () => {
    const { job, recordId } = await stoppedWhileClaimed('remote:small');
    await ek.kiln.engine.dispatch.requeue('remote:small', recordId, {
      pool: 'big',
      reason: 'pool big asked',
    });
    await expectAborted(job);
    expect((await ek.log(job, 1)).trimEnd().split('\n')).toEqual(ended);
  });

  it('ends ABORTED when the lease of the claim runs out before the start', async () => {
    const { job } = await stoppedWhileClaimed('remote:silent');
    clock.advance(LEASE_MS + 1);
    expect(await ek.kiln.engine.dispatch.expireLeases()).toBe(1);
    await expectAborted(job);
    expect((await ek.log(job, 1)).trimEnd().split('\n')).toEqual(ended);
  });

  it('ends ABORTED when the claim comes back between the stop finding it claimed and its request', async () => {
    const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo never')] });
    await ek.run(job);
    const { dispatch } = ek.kiln.engine;
    const lease = await dispatch.next('remote:between', signal, 0);
    expect(lease?.jobId).toBe(job);
    const builds = ek.kiln.storage.builds;
    const requestCancel = builds.requestCancel.bind(builds);
    builds.requestCancel = async (recordId) => {
      builds.requestCancel = requestCancel;
      await dispatch.release('remote:between', lease!.recordId);
      return requestCancel(recordId);
    };
    const stop = await ek.post(`/v3/jobs/${job}/1/stop`);
    expect(stop.json()).toEqual({ success: true, result: '' });
    await expectAborted(job);
    expect(await ek.log(job, 1)).toBe('[kiln] stopped by admin before it started\n');
  });
});
