import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpRunnerPeer } from '../../src/runner/http-peer.ts';
import { Runner } from '../../src/runner/runner.ts';
import { createTestKiln, jobBody, TestClock, type TestKiln } from '../helpers/app.ts';
import { waitUntil } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * The server a remote runner talks to goes away for good in the middle of a build (it died, the
 * network split). The runner loses the build once its lease runs out, as the server does; what
 * output it still holds can never be delivered. It must not wait for ever to deliver it: the slot
 * would never take another build, and the runner, told to stop (SIGTERM), would never exit.
 */
let kiln: TestKiln;
let token: string;
let proxy: Server;
let proxyUrl: string;
let cut = false;
const sockets: Socket[] = [];

beforeAll(async () => {
  kiln = await createTestKiln({ clock: TestClock.live(), leaseMs: 2_000 });
  await kiln.engine.start();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (kiln.app.server.address() as AddressInfo).port;
  token = await kiln.token();
  // A proxy that passes everything until `cut`, then nothing.
  proxy = createServer((client) => {
    client.on('error', () => {});
    if (cut) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    sockets.push(client, upstream);
    upstream.on('error', () => {});
    client.on('data', (chunk: Buffer) => {
      if (!cut) return void upstream.write(chunk);
      client.destroy();
      upstream.destroy();
    });
    upstream.on('data', (chunk: Buffer) => void client.write(chunk));
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  proxy?.close();
  kiln?.app.server.closeAllConnections();
  await kiln?.close();
});

it('a runner whose server is gone gives up the lost build and stops when asked', async () => {
  const reg = await kiln.call(token, { method: 'POST', url: '/v1/kiln/runners', payload: { name: 'far' } });
  const runnerToken = reg.json().result.token as string;
  const project = await kiln.defaultProjectId();
  const created = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/create',
    payload: jobBody(project, {
      job_name: 'long',
      scms: [],
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'work',
          properties: { command: 'for i in $(seq 1 300); do echo tick $i; sleep 0.1; done' },
        },
      ],
    }),
  });
  const jobId = created.json().result.job_id as string;
  const runner = new Runner(new HttpRunnerPeer(proxyUrl, runnerToken), await testRunnerOptions(1));
  runner.start();
  let stopped: Promise<void> | undefined;
  try {
    await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
    const record = async () =>
      (await kiln.call(token, { method: 'GET', url: `/v1/record/${jobId}/1/build-info-record` })).json()
        .result as { job_running_status: string; state: string };
    await waitUntil(
      'the build to run',
      async () => ((await record()).job_running_status === 'Running' ? true : undefined),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 500)); // output on its way
    cut = true;
    const ended = await waitUntil(
      'the server to take the build back',
      async () => {
        const r = await record();
        return r.job_running_status === 'Finished' ? r : undefined;
      },
      20_000,
    );
    expect(ended.state).toBe('ABORTED');
    // The runner lost it too by now (a lease after its last heartbeat): its slot is free...
    await waitUntil('the runner to let the build go', () => (runner.busy === 0 ? true : undefined), 10_000);
    // ...and it stops at once when asked.
    const began = Date.now();
    stopped = runner.stop();
    await stopped;
    expect(Date.now() - began).toBeLessThan(5_000);
  } finally {
    cut = false; // a runner stuck on its output gets through now, and stops
    await (stopped ?? runner.stop());
  }
}, 60_000);
