import { afterAll, beforeAll, expect, it } from 'vitest';
import { shell, sleep, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * A runner cuts its log into chunks by size and time, not by character: a chunk may end inside a
 * UTF-8 character whose last bytes come with the next one (a program's output buffer flushed in
 * the middle of it). A reader of the running build's log gets that character whole once it is
 * stored, never its first bytes on their own. Driven by hand (no local runner).
 */

let ek: EngineKiln;
beforeAll(async () => {
  ek = await startEngineKiln({});
});
afterAll(() => ek?.close());

const EURO = Buffer.from('€'); // e2 82 ac

/** A job whose build 1 runner `runner` has claimed and started. */
async function runningBuild(runner: string): Promise<{ job: string; recordId: string }> {
  const job = await ek.newJob({ scms: [], steps: [shell('s', 'true')] });
  await ek.run(job);
  const { dispatch } = ek.kiln.engine;
  const lease = await dispatch.next(runner, new AbortController().signal, 0);
  const recordId = (lease as NonNullable<typeof lease>).recordId;
  await dispatch.started(runner, recordId, { commitId: '', commitTime: null, commitMessage: '', branch: '' });
  return { job, recordId };
}

/** Log and finished listeners beyond the engine's own. */
const waiters = (idle: number) =>
  ek.kiln.engine.events.listeners('log') + ek.kiln.engine.events.listeners('finished') - idle;

it('DownloadRealTimeLog leaves a character whose last bytes are still on their way for a later answer', async () => {
  const { job, recordId } = await runningBuild('split-1');
  const { dispatch } = ek.kiln.engine;
  let size = await dispatch.log('split-1', recordId, {
    offset: 0,
    data: Buffer.concat([Buffer.from('price: '), EURO.subarray(0, 2)]),
  });
  const url = (offset: number, wait = '') => `/v3/jobs/${job}/1/real-time-log?offset=${offset}${wait}`;

  const first = (await ek.get(url(0))).json().result;
  expect(first).toMatchObject({ content: 'price: ', current_offset: 0, offset: 7, has_more_data: true });
  // At the cut character: nothing yet, not half of it; asked again from the same offset.
  const at = (await ek.get(url(7))).json().result;
  expect(at).toMatchObject({ content: '', current_offset: 7, offset: 7, has_more_data: true });

  // A follower asking there waits for the rest, as at the end of the log.
  const idle = waiters(0);
  const waiting = ek.get(url(7, '&wait_ms=20000'));
  for (let i = 0; i < 100 && waiters(idle) === 0; i++) await sleep(20);
  expect(waiters(idle)).toBeGreaterThan(0);
  size = await dispatch.log('split-1', recordId, {
    offset: size,
    data: Buffer.concat([EURO.subarray(2), Buffer.from(' 5\n')]),
  });
  const woke = (await waiting).json().result;
  expect(woke).toMatchObject({ content: '€ 5\n', current_offset: 7, offset: size, has_more_data: true });

  await dispatch.done('split-1', recordId, { state: 'SUCCESS' });
  const end = (await ek.get(url(size))).json().result;
  expect(end).toMatchObject({ content: '', has_more_data: false });
});

it('a stage page of a running build, in either order, holds no first bytes of a character still on their way', async () => {
  const { job, recordId } = await runningBuild('split-2');
  const { dispatch } = ek.kiln.engine;
  await dispatch.log('split-2', recordId, {
    offset: 0,
    data: Buffer.concat([Buffer.from('total '), EURO.subarray(0, 1)]),
  });
  const page = async (query: string) =>
    (await ek.get(`/v1/log/stage/page?job_id=${job}&build_no=1&${query}`)).json().result;

  expect(await page('start_offset=0')).toMatchObject({ log: 'total ', end_offset: '6', has_more: true });
  expect(await page('start_offset=6')).toMatchObject({ log: '', start_offset: '6', end_offset: '6' });
  expect(await page('start_offset=0&sort=DESC')).toMatchObject({
    log: 'total ',
    start_offset: '0',
    end_offset: '6',
  });
  await dispatch.done('split-2', recordId, { state: 'SUCCESS' });
});

it('a descending page whose end_offset falls inside a character ends before it, as an ascending one does', async () => {
  const { job, recordId } = await runningBuild('split-3');
  const { dispatch } = ek.kiln.engine;
  await dispatch.log('split-3', recordId, { offset: 0, data: Buffer.from('a€b€c\n') });
  await dispatch.done('split-3', recordId, { state: 'SUCCESS' });
  const page = async (query: string) =>
    (await ek.get(`/v1/log/stage/page?job_id=${job}&build_no=1&${query}`)).json().result;

  // Byte 3 is inside the first € (bytes 1-3).
  expect(await page('start_offset=0&end_offset=3')).toMatchObject({ log: 'a', end_offset: '1' });
  expect(await page('start_offset=0&end_offset=3&sort=DESC')).toMatchObject({
    log: 'a',
    start_offset: '0',
    end_offset: '1',
  });
  expect(await page('start_offset=0&end_offset=7&sort=DESC')).toMatchObject({ log: 'a€b', end_offset: '5' });
});
