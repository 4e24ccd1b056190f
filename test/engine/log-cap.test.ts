import { afterAll, beforeAll, expect, it } from 'vitest';
import { LogCapError, type Lease } from '../../src/protocol/runner-protocol.ts';
import { HttpRunnerPeer, PeerUnavailableError } from '../../src/runner/http-peer.ts';
import { LogStreamer } from '../../src/runner/log-streamer.ts';
import { persist } from '../../src/runner/persist.ts';
import { Runner } from '../../src/runner/runner.ts';
import { createTestKiln, jobBody, TestClock, type TestKiln } from '../helpers/app.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * Over real HTTP, a server's log cap and a refused runner token are answers, not outages: the
 * remote log streamer stops at the cap instead of resending the chunk forever, the cap and a gap
 * come with different error codes, and a refused token is asked once.
 */
const CAP = 1_000;
let kiln: TestKiln;
let base: string;
let peer: HttpRunnerPeer;
let runnerToken: string;
let lease: Lease;

beforeAll(async () => {
  kiln = await createTestKiln({ clock: TestClock.live(), logMaxBytes: CAP });
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = kiln.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const token = await kiln.token();
  const created = await kiln.call(token, {
    method: 'POST',
    url: '/v1/kiln/runners',
    payload: { name: 'capped' },
  });
  runnerToken = created.json().result.token;
  const job = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/create',
    payload: jobBody(await kiln.defaultProjectId(), { job_name: 'loud' }),
  });
  const run = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/build',
    payload: { job_id: job.json().result.job_id },
  });
  expect(run.statusCode).toBe(200);
  peer = new HttpRunnerPeer(base, runnerToken);
  lease = (await peer.next(new AbortController().signal))!;
  expect(lease?.logMaxBytes).toBe(CAP);
});
afterAll(() => kiln?.close());

it('answers a chunk past the cap 413 CB.00060215 and a hole 416 CB.00060416, and the remote streamer stops at the cap', async () => {
  const put = (offset: number, bytes: number) =>
    fetch(`${base}/v1/kiln/runner/builds/${lease.recordId}/log?offset=${offset}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${runnerToken}`, 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(bytes, 'x'),
    });
  const hole = await put(10, 10);
  expect(hole.status).toBe(416);
  expect(((await hole.json()) as { error_code: string }).error_code).toBe('CB.00060416');
  const past = await put(0, 64 * 1024);
  expect(past.status).toBe(413);
  expect(((await past.json()) as { error_code: string }).error_code).toBe('CB.00060215');

  // A runner whose own cap is larger than the server's (as if configured apart) keeps writing.
  const errors: unknown[] = [];
  const streamer = new LogStreamer(peer, lease.recordId, {
    maxBytes: 1 << 20,
    chunkBytes: 512,
    onError: (e) => errors.push(e),
  });
  for (let i = 0; i < 40; i++) streamer.write(Buffer.alloc(512, 'y'));
  await streamer.flush(); // resolves: the cap is not retried
  expect(streamer.atServerCap).toBe(true);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(LogCapError);
  streamer.write(Buffer.from('more'));
  await streamer.flush();
  expect(errors).toHaveLength(1);
  const stored = await kiln.storage.builds.findRun(lease.recordId);
  expect(stored?.logSize).toBeGreaterThanOrEqual(CAP);
  expect(stored?.logSize).toBeLessThan(CAP + 4096 + 512);
});

it('asks once with a refused token, and a runner the server refuses stops', async () => {
  const refusedPeer = new HttpRunnerPeer(base, 'not-a-runner-token');
  let calls = 0;
  const report = persist(() => {
    calls++;
    return refusedPeer.started(lease.recordId, { commitId: '', branch: '' } as never);
  }, 60_000);
  await expect(report).rejects.toSatisfy((e) => e instanceof PeerUnavailableError && e.status === 401);
  expect(calls).toBe(1);

  const runner = new Runner(refusedPeer, await testRunnerOptions(1));
  runner.start();
  const refusal = await runner.refused;
  expect(refusal).toBeInstanceOf(PeerUnavailableError);
  expect((refusal as PeerUnavailableError).status).toBe(401);
  await runner.stop();
});
