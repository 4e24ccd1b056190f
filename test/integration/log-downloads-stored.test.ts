import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, tokenOf } from '../helpers/foundation.ts';

/**
 * Log downloads read what is stored. A build deleted while its whole log is being downloaded
 * (retention, or its job deleted for good, on any server): the download must fail, not end as a
 * shorter log with a 200 that a client cannot tell from the real one. A step whose end its runner
 * reported ahead of the stored log: its part is served, not taken for a deleted build.
 */
describe('log downloads and the log stored', () => {
  let kiln: TestKiln;
  let base = '';
  let token = '';
  beforeAll(async () => {
    kiln = await createTestKiln();
    await kiln.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(kiln.app.server.address() as AddressInfo).port}`;
    token = await tokenOf(kiln, ADMIN);
  });
  afterAll(() => kiln.close());

  it('cuts the transfer instead of ending it as a complete, shorter log', async () => {
    const jobId = await createJob(kiln, token, await kiln.defaultProjectId(), { job_name: 'long-log' });
    const run = await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
    const buildNo = Number(run.json().actual_build_number);
    expect(
      (await kiln.call(token, { method: 'POST', url: `/v3/jobs/${jobId}/${buildNo}/stop` })).statusCode,
    ).toBe(200);
    const recordId = (
      await kiln.call(token, { method: 'GET', url: `/v4/jobs/${jobId}/${buildNo}/record-info` })
    ).json().result.id as string;
    // 32 MiB: more than the socket and the client hold before the client reads on.
    const line = Buffer.from(`${'x'.repeat(1023)}\n`);
    const mib = Buffer.concat(Array.from({ length: 1024 }, () => line));
    for (let i = 0; i < 32; i++) await kiln.storage.logs.appendAtEnd(recordId, mib);
    const size = await kiln.storage.logs.size(recordId);

    const res = await fetch(`${base}/v3/${recordId}/download-log`, { headers: { 'x-auth-token': token } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let received = (await reader.read()).value?.length ?? 0;
    expect(await kiln.storage.builds.deleteMany([recordId])).toBe(1);
    const rest = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return received;
        received += value.length;
      }
    })();
    // Before, the answer ended cleanly with the bytes read before the delete (20 of 30 MB in a probe).
    await expect(rest).rejects.toThrow();
    expect(received).toBeLessThan(size);
  });

  it("serves a step's log whose end the runner reported ahead of the log stored", async () => {
    const jobId = await createJob(kiln, token, await kiln.defaultProjectId(), {
      job_name: 'step-ahead',
      scms: [],
      steps: [{ module_id: 'kiln.shell', name: 'stage1', properties: { command: 'echo one' } }],
    });
    await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
    const peer = kiln.engine.dispatch.peer('local:ahead');
    const lease = (await peer.next(new AbortController().signal))!;
    await peer.started(lease.recordId, { commitId: '', commitTime: null, commitMessage: '', branch: '' });
    await peer.step(lease.recordId, { index: 0, status: 'running', logOffset: 0 });
    const text = Buffer.from('one\n');
    await peer.log(lease.recordId, { offset: 0, data: text });
    // The runner counts what its step wrote as it ends, some of it not yet sent (it sends every
    // 100 ms): the step's end is past the log the server holds, for a moment or, past the cap, for good.
    await peer.step(lease.recordId, { index: 0, status: 'success', logOffset: text.length + 50 });
    const res = await kiln.call(token, {
      method: 'GET',
      url: `/v4/${lease.recordId}/task-log?task_name=stage1`,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toBe('one\n');
  });
});
