import { afterAll, beforeAll, expect, it } from 'vitest';
import { LeaseLostError } from '../../src/protocol/runner-protocol.ts';
import { MAX_LOST_CLAIMS } from '../../src/engine/claim-returns.ts';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * A runner that goes silent before its build started (the lease lost on the wire, the runner dead
 * during checkout): nothing of the build ran, so the lease sweep puts it back at its place in the
 * queue, a few times at most. Driven by hand on a fixed clock (no runner, no engine loops), on
 * both stores: the take-back is one compare-and-set statement.
 */
const LEASE_MS = 5_000;
const checkout = { commitId: '', commitTime: null, commitMessage: '', branch: '' };

describeEachStore('a claim lost before its build started', (store) => {
  let ek: EngineKiln;
  let clock: TestClock;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    ek = await startEngineKiln({ store, clock, leaseMs: LEASE_MS });
  });
  afterAll(() => ek?.close());

  it("goes back to its place in the queue, its log saying why; the next runner's output goes after it", async () => {
    const { dispatch } = ek.kiln.engine;
    const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo hi')] });
    await ek.run(job);
    await ek.run(job);
    const lost = await dispatch.next('silent', signal, 0);
    expect(lost?.buildNumber).toBe(1);
    const recordId = lost!.recordId;
    await dispatch.log('silent', recordId, { offset: 0, data: Buffer.from('fetching\n') });

    clock.advance(LEASE_MS + 1);
    expect(await dispatch.expireLeases()).toBe(1);
    expect(await ek.record(job, 1)).toMatchObject({ job_running_status: 'Starting', state: '' });
    const log = await ek.log(job, 1);
    expect(log).toBe(
      'fetching\n[kiln] a runner no longer registered, which took this build, was lost before it started (it stopped sending heartbeats); back at its place in the queue\n',
    );
    // The silent runner, back, is told the build is no longer its own.
    await expect(dispatch.started('silent', recordId, checkout)).rejects.toBeInstanceOf(LeaseLostError);

    // Ahead of build 2, as it was.
    const again = await dispatch.next('healthy', signal, 0);
    expect(again).toMatchObject({ recordId, buildNumber: 1, logOffset: Buffer.byteLength(log) });
    await dispatch.started('healthy', recordId, checkout);
    await dispatch.done('healthy', recordId, { state: 'SUCCESS' });
    expect((await ek.record(job, 1)).state).toBe('SUCCESS');
    const second = await dispatch.next('healthy', signal, 0);
    expect(second?.buildNumber).toBe(2);
    await dispatch.done('healthy', second!.recordId, { state: 'SUCCESS' });
  });

  it(`ends ABORTED, saying why, once its runners were lost before it started ${MAX_LOST_CLAIMS} times`, async () => {
    const { dispatch } = ek.kiln.engine;
    const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo hi')] });
    await ek.run(job);
    for (let i = 1; i <= MAX_LOST_CLAIMS; i++) {
      expect((await dispatch.next(`silent-${i}`, signal, 0))?.jobId).toBe(job);
      clock.advance(LEASE_MS + 1);
      expect(await dispatch.expireLeases()).toBe(1);
    }
    expect(await ek.record(job, 1)).toMatchObject({ job_running_status: 'Finished', state: 'ABORTED' });
    expect((await ek.log(job, 1)).trimEnd().split('\n').slice(-3)).toEqual([
      '[kiln] a runner no longer registered, which took this build, was lost before it started (it stopped sending heartbeats)',
      `[kiln] its runners were lost before it started ${MAX_LOST_CLAIMS} times: it is not queued again`,
      '[kiln] build finished: ABORTED',
    ]);
    expect(await dispatch.next('healthy', signal, 0)).toBeUndefined();
  });

  it('keeps the build when a heartbeat lands after the sweep found its lease out', async () => {
    const { dispatch } = ek.kiln.engine;
    const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo hi')] });
    await ek.run(job);
    const lease = await dispatch.next('slow', signal, 0);
    const recordId = lease!.recordId;
    clock.advance(LEASE_MS + 1);
    const builds = ek.kiln.storage.builds;
    const listExpired = builds.listExpired.bind(builds);
    builds.listExpired = async (now, limit) => {
      builds.listExpired = listExpired;
      const found = await listExpired(now, limit);
      expect((await dispatch.extend('slow', recordId)).held).toBe(true);
      return found;
    };
    expect(await dispatch.expireLeases()).toBe(0);
    await dispatch.started('slow', recordId, checkout);
    await dispatch.done('slow', recordId, { state: 'SUCCESS' });
    expect((await ek.record(job, 1)).state).toBe('SUCCESS');
    expect(await ek.log(job, 1)).toBe('');
  });
});
