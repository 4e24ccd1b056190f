import { request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';

/**
 * Over real HTTP: a follower waiting at the end of a running build's log (wait_ms) that hangs up
 * frees its wait at once; the server keeps no listener (and so no timer or later read) for it.
 */
let kiln: TestKiln;
let token: string;
let port: number;

beforeAll(async () => {
  kiln = await createTestKiln();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = kiln.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  token = await kiln.token();
});
afterAll(() => kiln?.close());

/** Listeners of log and finished events beyond the engine's own (it hears every build's end). */
let idle = 0;
const waiters = () => kiln.engine.events.listeners('log') + kiln.engine.events.listeners('finished') - idle;

async function until(what: string, ok: () => boolean): Promise<void> {
  // Far below the 20 s the follower asked to wait: only a freed wait gets here in time.
  for (let i = 0; i < 100; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: still ${waiters()} waiters`);
}

it('a follower that disconnects frees its wait', async () => {
  const payload = jobBody(await kiln.defaultProjectId(), { job_name: 'followed' });
  const jobId = (await kiln.call(token, { method: 'POST', url: '/v3/jobs/create', payload })).json().result
    .job_id as string;
  const run = await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
  expect(run.statusCode).toBe(200);
  const peer = kiln.engine.dispatch.peer('runner-1');
  const lease = await peer.next(new AbortController().signal);
  await peer.started(lease!.recordId, {
    commitId: '',
    commitTime: null,
    commitMessage: '',
    branch: 'main',
  } as never);
  idle = waiters();

  const follower = request({
    host: '127.0.0.1',
    port,
    path: `/v3/jobs/${jobId}/1/real-time-log?offset=0&wait_ms=20000`,
    headers: { 'x-auth-token': token },
  });
  follower.on('error', () => {}); // the hang-up below
  follower.end();
  await until('the follower never started waiting', () => waiters() === 2);

  follower.destroy();
  await until('the wait outlived its client', () => waiters() === 0);

  // A follower that stays is still answered when the log grows.
  const answered = kiln.call(token, {
    method: 'GET',
    url: `/v3/jobs/${jobId}/1/real-time-log?offset=0&wait_ms=20000`,
  });
  await until('the second follower never started waiting', () => waiters() === 2);
  await peer.log(lease!.recordId, { offset: 0, data: Buffer.from('hello\n') });
  expect((await answered).json().result.content).toBe('hello\n');
  expect(waiters()).toBe(0);
});
