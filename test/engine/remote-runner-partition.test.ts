import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpRunnerPeer } from '../../src/runner/http-peer.ts';
import { Runner } from '../../src/runner/runner.ts';
import { createTestKiln, jobBody, TestClock, type TestKiln } from '../helpers/app.ts';
import { waitUntil } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * A remote runner is cut off from the server (the server it talks to died, the network split)
 * right after it received a build: it can send neither its heartbeats nor that the build started.
 * When the lease runs out the server counts the build as never started and puts it back in the
 * queue, where another runner runs it. So the cut-off runner must not have run any of it: a step
 * that starts before the server has heard the build start would run twice (a deploy, twice).
 */
let kiln: TestKiln;
let token: string;
let proxy: Server;
let proxyUrl: string;
let leaseDelivered = false;
/** The link is back (at the end: the cut-off runner then hears that the build is no longer its own). */
let healed = false;
const cut = () => leaseDelivered && !healed;
const sockets: Socket[] = [];
let runs = 0;
const counter = createServer((socket) => {
  socket.on('data', (d) => (runs += d.toString('utf8').split('\n').filter(Boolean).length));
  socket.on('error', () => {});
});

beforeAll(async () => {
  kiln = await createTestKiln({ clock: TestClock.live(), leaseMs: 2_000 });
  await kiln.engine.start();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (kiln.app.server.address() as AddressInfo).port;
  token = await kiln.token();
  await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
  // A proxy that passes the first lease the server sends, then nothing more until `healed`.
  proxy = createServer((client) => {
    client.on('error', () => {});
    if (cut()) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    sockets.push(client, upstream);
    upstream.on('error', () => {});
    client.on('data', (chunk: Buffer) => {
      if (cut()) {
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      const text = chunk.toString('latin1');
      if (text.startsWith('HTTP/1.1 200') && text.includes('"recordId"')) leaseDelivered = true;
    });
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  proxy?.close();
  counter.close();
  kiln?.app.server.closeAllConnections();
  await kiln?.close();
});

async function runnerToken(name: string): Promise<string> {
  const reg = await kiln.call(token, { method: 'POST', url: '/v1/kiln/runners', payload: { name } });
  expect(reg.statusCode).toBe(201);
  return reg.json().result.token as string;
}

it('a runner cut off before the server heard its build start runs none of it', async () => {
  const cutOffToken = await runnerToken('cut-off');
  const otherToken = await runnerToken('other');
  const project = await kiln.defaultProjectId();
  const created = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/create',
    payload: jobBody(project, {
      job_name: 'deploy-once',
      scms: [],
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'deploy',
          properties: {
            command: `echo deployed > /dev/tcp/127.0.0.1/${(counter.address() as AddressInfo).port}; sleep 1`,
          },
        },
      ],
    }),
  });
  const jobId = created.json().result.job_id as string;
  const cutOff = new Runner(new HttpRunnerPeer(proxyUrl, cutOffToken), await testRunnerOptions(1));
  cutOff.start();
  let other: Runner | undefined;
  try {
    const run = await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
    expect(run.statusCode).toBe(200);
    await waitUntil('the lease to reach the runner', () => (leaseDelivered ? true : undefined), 20_000);
    // Another runner, which reaches the server, takes the build once the cut-off one lost it.
    other = new Runner(
      new HttpRunnerPeer(`http://127.0.0.1:${(kiln.app.server.address() as AddressInfo).port}`, otherToken),
      await testRunnerOptions(1),
    );
    other.start();
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
    // Time for the cut-off runner to give the build up (a lease, and then some).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(runs).toBe(1);
  } finally {
    healed = true;
    await Promise.all([cutOff.stop(), other?.stop()]);
  }
}, 60_000);
