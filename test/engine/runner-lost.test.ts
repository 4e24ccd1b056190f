import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { LeaseLostError } from '../../src/protocol/runner-protocol.ts';

/**
 * A runner that goes silent loses its build when the lease expires: the build ends ABORTED with a
 * log line saying why, and the runner can no longer write to it. Driven by hand on a fixed clock
 * (no local runner, no engine loops).
 */

const LEASE_MS = 5_000;
let ek: EngineKiln;
let clock: TestClock;

beforeAll(async () => {
  clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
  ek = await startEngineKiln({ clock, leaseMs: LEASE_MS });
});
afterAll(() => ek?.close());

it('ends ABORTED with a log line when the runner stops extending its lease; the runner is then locked out', async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo hi')] });
  await ek.run(job);
  const { dispatch } = ek.kiln.engine;
  const lease = await dispatch.next('ghost', new AbortController().signal, 0);
  expect(lease).toBeDefined();
  const recordId = (lease as NonNullable<typeof lease>).recordId;
  await dispatch.started('ghost', recordId, {
    commitId: '',
    commitTime: null,
    commitMessage: '',
    branch: '',
  });
  await dispatch.step('ghost', recordId, { index: 0, status: 'running', logOffset: 0 });
  const size = await dispatch.log('ghost', recordId, { offset: 0, data: Buffer.from('working\n') });
  expect(size).toBe(8);

  // Within the lease: nothing happens; an extension moves it on.
  clock.advance(LEASE_MS - 1_000);
  expect(await dispatch.expireLeases()).toBe(0);
  expect((await dispatch.extend('ghost', recordId)).held).toBe(true);
  clock.advance(LEASE_MS - 1_000);
  expect(await dispatch.expireLeases()).toBe(0);
  expect((await ek.record(job, 1)).job_running_status).toBe('Running');

  // Silent past the lease: taken back.
  clock.advance(2_000);
  expect(await dispatch.expireLeases()).toBe(1);
  const r = await ek.record(job, 1);
  expect(r).toMatchObject({ job_running_status: 'Finished', state: 'ABORTED' });
  const log = await ek.log(job, 1);
  expect(log.startsWith('working\n')).toBe(true);
  // Why, naming the runner, then the outcome as the last line, as a runner would have written it.
  expect(log.trimEnd().split('\n').slice(-2)).toEqual([
    '[kiln] a runner no longer registered, which ran this build, was lost (it stopped sending heartbeats)',
    '[kiln] build finished: ABORTED',
  ]);
  expect((await ek.details(job, 1)).build_steps[0]?.status).toBe('error');

  // The late runner can neither write nor finish it.
  await expect(
    dispatch.log('ghost', recordId, { offset: size, data: Buffer.from('late\n') }),
  ).rejects.toBeInstanceOf(LeaseLostError);
  await expect(dispatch.done('ghost', recordId, { state: 'SUCCESS' })).rejects.toBeInstanceOf(LeaseLostError);
  expect((await ek.record(job, 1)).state).toBe('ABORTED');
  expect(await ek.log(job, 1)).not.toContain('late');
  expect(await dispatch.expireLeases()).toBe(0);
});

it("puts the line saying the runner was lost on a line of its own when the runner's output ended mid-line", async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo hi')] });
  await ek.run(job);
  const { dispatch } = ek.kiln.engine;
  const lease = await dispatch.next('mid-line', new AbortController().signal, 0);
  const recordId = (lease as NonNullable<typeof lease>).recordId;
  await dispatch.started('mid-line', recordId, {
    commitId: '',
    commitTime: null,
    commitMessage: '',
    branch: '',
  });
  // A progress bar redrawn with \r: the runner died before its line ended.
  const output = 'downloading\nprogress 10%\rprogress 20%\r';
  await dispatch.log('mid-line', recordId, { offset: 0, data: Buffer.from(output) });
  clock.advance(LEASE_MS + 1_000);
  expect(await dispatch.expireLeases()).toBe(1);
  expect(await ek.log(job, 1)).toBe(
    `${output}\n[kiln] a runner no longer registered, which ran this build, was lost (it stopped sending heartbeats)\n[kiln] build finished: ABORTED\n`,
  );
});

it('keeps a build whose heartbeat landed after the lease sweep found it expired', async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo hi')] });
  await ek.run(job);
  const { dispatch } = ek.kiln.engine;
  const lease = await dispatch.next('slow', new AbortController().signal, 0);
  const recordId = (lease as NonNullable<typeof lease>).recordId;
  await dispatch.started('slow', recordId, { commitId: '', commitTime: null, commitMessage: '', branch: '' });
  clock.advance(LEASE_MS + 1_000);

  // The runner's heartbeat reaches the store between the sweep's read and its write.
  const builds = ek.kiln.storage.builds;
  const listExpired = builds.listExpired.bind(builds);
  builds.listExpired = async (now, limit) => {
    builds.listExpired = listExpired;
    const found = await listExpired(now, limit);
    expect((await dispatch.extend('slow', recordId)).held).toBe(true);
    return found;
  };
  expect(await dispatch.expireLeases()).toBe(0);
  expect((await ek.record(job, 1)).job_running_status).toBe('Running');
  await dispatch.done('slow', recordId, { state: 'SUCCESS' });
  expect((await ek.record(job, 1)).state).toBe('SUCCESS');
  expect(await ek.log(job, 1)).not.toContain('was lost');
});

it('takes back the other expired builds when one of them cannot be ended', async () => {
  const { dispatch } = ek.kiln.engine;
  const claim = async (runner: string, commitTime: number | null) => {
    const job = await ek.newJob({ scms: [], steps: [shell('s', 'echo hi')] });
    await ek.run(job);
    const lease = await dispatch.next(runner, new AbortController().signal, 0);
    const recordId = (lease as NonNullable<typeof lease>).recordId;
    await dispatch.started(runner, recordId, { commitId: '', commitTime, commitMessage: '', branch: '' });
    return { job, recordId };
  };
  // A build whose record cannot be rendered (a commit time kept before the runner protocol
  // refused such times): ending it fails, every time.
  const broken = await claim('gone-1', 99_999_999_999_999_000);
  clock.advance(1); // its lease runs out first: the sweep meets it before the other
  const other = await claim('gone-2', null);
  clock.advance(LEASE_MS + 1_000);

  await expect(dispatch.expireLeases()).rejects.toThrow();
  // The other runner's build did not wait behind it.
  expect((await ek.record(other.job, 1)).state).toBe('ABORTED');
  expect((await ek.kiln.storage.builds.findRun(broken.recordId))?.build.runningStatus).toBe('Running');
});
