import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';

// A follower at the end of a running build's log waits (wait_ms) and is woken by the next bytes
// instead of polling.
let kiln: TestKiln;
let token: string;
beforeAll(async () => {
  kiln = await createTestKiln({ runner: { slots: 1 } });
  token = await kiln.token();
});
afterAll(() => kiln.close());

it('wakes a waiting follower when new log bytes arrive, and answers at once when the build ends', async () => {
  const payload = jobBody(await kiln.defaultProjectId(), {
    scms: [],
    steps: [
      { module_id: 'kiln.shell', name: 's', properties: { command: 'echo first; sleep 1.5; echo second' } },
    ],
  });
  const jobId = (await kiln.call(token, { method: 'POST', url: '/v3/jobs/create', payload })).json().result
    .job_id;
  await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
  let offset = 0;
  let text = '';
  const waits: number[] = [];
  for (let calls = 0; calls < 20; calls++) {
    const began = Date.now();
    const res = await kiln.call(token, {
      method: 'GET',
      url: `/v3/jobs/${jobId}/1/real-time-log?offset=${offset}&wait_ms=10000`,
    });
    waits.push(Date.now() - began);
    const r = res.json().result;
    text += r.content;
    offset = r.offset;
    if (!r.has_more_data) break;
  }
  expect(text).toContain('first');
  expect(text).toContain('second');
  expect(text).toContain('build finished: SUCCESS');
  // Few calls: each waited for news instead of returning empty at once.
  expect(waits.length).toBeLessThan(10);
  expect(Math.max(...waits)).toBeLessThan(5_000);
});
