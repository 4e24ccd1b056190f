import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../helpers/cli.ts';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import { createUser, revoke, setRole, tokenOf } from '../helpers/foundation.ts';

// A follower waiting at the end of a running build's log (wait_ms) whose token is revoked while
// it waits must not be handed the bytes written after the revocation: the next request with that
// token is refused (401), and a member removed while waiting is refused (404) by the same call, so
// the revoked token's wait must end refused too, not with the build's later output.
let kiln: TestKiln;
let admin: string;
const DEV = { name: 'follower', password: 'follower-password-1', domain: 'default' };
beforeAll(async () => {
  kiln = await createTestKiln({ runner: { slots: 1 } });
  admin = await kiln.token();
  await createUser(kiln, admin, DEV.name, DEV.password);
  await setRole(kiln, admin, await kiln.defaultProjectId(), DEV.name, 'developer');
});
afterAll(() => kiln.close());

it('a log follower whose token is revoked mid-wait gets no bytes written after the revocation', async () => {
  // The step writes its second line only once the test listens on `port`, after the revocation
  // (the build reaches the host's loopback: the network is on by default).
  const port = await freePort();
  const payload = jobBody(await kiln.defaultProjectId(), {
    scms: [],
    steps: [
      {
        module_id: 'kiln.shell',
        name: 's',
        properties: {
          command: `echo first; until (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; do sleep 0.1; done; echo WRITTEN-AFTER-REVOKE`,
        },
      },
    ],
  });
  const jobId = (await kiln.call(admin, { method: 'POST', url: '/v3/jobs/create', payload })).json().result
    .job_id;
  await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
  const dev = await tokenOf(kiln, DEV);
  // Follow until the first line is there.
  let offset = 0;
  let text = '';
  for (let calls = 0; calls < 40; calls++) {
    const r = (
      await kiln.call(dev, {
        method: 'GET',
        url: `/v3/jobs/${jobId}/1/real-time-log?offset=${offset}&wait_ms=10000`,
      })
    ).json().result;
    offset = r.offset;
    text += r.content;
    if (text.includes('first')) break;
  }
  const waiting = kiln.call(dev, {
    method: 'GET',
    url: `/v3/jobs/${jobId}/1/real-time-log?offset=${offset}&wait_ms=20000`,
  });
  await new Promise((r) => setTimeout(r, 300));
  await revoke(kiln, admin, dev);
  const gate = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => gate.listen(port, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => gate.close(() => resolve())));
  const next = await kiln.call(dev, { method: 'GET', url: `/v3/jobs/${jobId}/1/real-time-log?offset=0` });
  expect(next.statusCode).toBe(401);
  const res = await waiting;
  expect(res.body).not.toContain('WRITTEN-AFTER-REVOKE');
  expect(res.statusCode).toBe(401);
});
