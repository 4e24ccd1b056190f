import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpRunnerPeer } from '../../src/runner/http-peer.ts';
import { Runner } from '../../src/runner/runner.ts';
import { createTestKiln, jobBody, TestClock, type TestKiln } from '../helpers/app.ts';
import { waitUntil } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * The connection between a remote runner and the server drops while the server's answer to
 * "next" (a lease) is on its way: the server wrote it and counts the build as the runner's; the
 * runner never got it, asks again and sends no heartbeat for it. When the lease runs out the build,
 * which never started, goes back to its place in the queue, and the runner (alive all along) runs it.
 */
let kiln: TestKiln;
let token: string;
let proxy: Server;
let proxyUrl: string;
let dropped = false;
const sockets: Socket[] = [];

beforeAll(async () => {
  kiln = await createTestKiln({ clock: TestClock.live(), leaseMs: 2_000 });
  await kiln.engine.start();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (kiln.app.server.address() as { port: number }).port;
  token = await kiln.token();
  // A proxy that loses the first lease the server sends (and the connection with it).
  proxy = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (!dropped && text.startsWith('HTTP/1.1 200') && text.includes('"recordId"')) {
        dropped = true;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  proxy?.close();
  await kiln?.close();
});

it('a lease lost on the wire goes back to the queue and the build runs', async () => {
  const reg = await kiln.call(token, {
    method: 'POST',
    url: '/v1/kiln/runners',
    payload: { name: 'flaky-link' },
  });
  expect(reg.statusCode).toBe(201);
  const runnerToken = reg.json().result.token as string;
  const project = await kiln.defaultProjectId();
  const created = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/create',
    payload: jobBody(project, {
      job_name: 'lost-lease',
      scms: [],
      steps: [{ module_id: 'kiln.shell', name: 'work', properties: { command: 'echo ran' } }],
    }),
  });
  const jobId = created.json().result.job_id as string;
  const runner = new Runner(new HttpRunnerPeer(proxyUrl, runnerToken), await testRunnerOptions(1));
  runner.start();
  try {
    const run = await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
    expect(run.statusCode).toBe(200);
    await waitUntil('the lease to be lost on the wire', () => (dropped ? true : undefined), 20_000);
    const r = await waitUntil(
      'build 1 to finish',
      async () => {
        const res = await kiln.call(token, { method: 'GET', url: `/v1/record/${jobId}/1/build-info-record` });
        const rec = res.json().result;
        return rec.job_running_status === 'Finished' ? rec : undefined;
      },
      30_000,
    );
    const log = await kiln.call(token, { method: 'GET', url: `/v3/jobs/${jobId}/1/real-time-log?offset=0` });
    expect(r.state, log.json().result.content).toBe('SUCCESS');
  } finally {
    await runner.stop();
  }
});
