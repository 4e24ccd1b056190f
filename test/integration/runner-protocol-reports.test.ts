import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_PATHS, runnerPath } from '../../src/protocol/runner-http.ts';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';

/**
 * Reports a buggy or hostile runner may send about a build it holds, over real HTTP on loopback:
 * none may change what the build recorded once it started, store rows for what the build does not
 * have, or answer with a reason that is not the true one.
 */
let kiln: TestKiln;
let base: string;
let runnerToken: string;
let admin: string;

async function send(method: string, path: string, body?: string | Uint8Array) {
  const bytes = body instanceof Uint8Array;
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${runnerToken}`,
      ...(body !== undefined && { 'content-type': bytes ? 'application/octet-stream' : 'application/json' }),
    },
    ...(body !== undefined && { body }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** A new job's build, claimed by the test's runner: its record id. */
async function claimed(name: string): Promise<string> {
  const created = await kiln.call(admin, {
    method: 'POST',
    url: '/v3/jobs/create',
    payload: jobBody(await kiln.defaultProjectId(), { job_name: name }),
  });
  expect(created.statusCode, created.body).toBe(200);
  const jobId = created.json().result.job_id as string;
  const run = await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
  expect(run.statusCode, run.body).toBe(200);
  const lease = await send('POST', RUNNER_PATHS.next, '{"wait_ms":2000}');
  expect(lease.status).toBe(200);
  return lease.body.recordId as string;
}

const checkout = {
  commitId: 'a'.repeat(40),
  commitTime: 1_700_000_000_000,
  commitMessage: 'the first',
  commitAuthor: 'Ann',
  branch: 'main',
};

beforeAll(async () => {
  kiln = await createTestKiln();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = kiln.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  admin = await kiln.token();
  const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/runners', payload: { name: 'r1' } });
  expect(res.statusCode).toBe(201);
  runnerToken = res.json().result.token;
});

afterAll(async () => {
  await kiln?.close();
});

describe('runner protocol over HTTP: reports that contradict the build', () => {
  it('a started report sent again: the same one is answered as the first, another is refused (409)', async () => {
    const recordId = await claimed('started-twice');
    const started = runnerPath(RUNNER_PATHS.started, recordId);
    expect(await send('POST', started, JSON.stringify(checkout))).toEqual({
      status: 200,
      body: { status: 'success' },
    });
    // A retry after a lost answer.
    expect(await send('POST', started, JSON.stringify(checkout))).toEqual({
      status: 200,
      body: { status: 'success' },
    });
    const other = await send(
      'POST',
      started,
      JSON.stringify({ ...checkout, commitId: 'b'.repeat(40), commitMessage: 'forged', commitAuthor: 'Eve' }),
    );
    expect(other.status).toBe(409);
    expect(other.body.error_code).toBe('CB.00060409');
    expect(other.body.error_msg).toMatch(/already started .*cannot change/);
    const run = await kiln.storage.builds.findRun(recordId);
    expect(run?.build).toMatchObject({
      runningStatus: 'Running',
      commitId: checkout.commitId,
      commitMessage: 'the first',
      commitTime: checkout.commitTime,
    });
    const shown = await kiln.storage.builds.commitMessages(run!.build.jobId, [run!.build.number]);
    expect(shown.get(run!.build.number)).toEqual({ message: 'the first', author: 'Ann' });
    // The build still ends as its runner says.
    expect((await send('POST', runnerPath(RUNNER_PATHS.done, recordId), '{"state":"SUCCESS"}')).status).toBe(
      200,
    );
  });

  it('a step report for a step the build does not have: 400 naming it, nothing stored', async () => {
    const recordId = await claimed('no-such-step');
    expect(
      (await send('POST', runnerPath(RUNNER_PATHS.started, recordId), JSON.stringify(checkout))).status,
    ).toBe(200);
    const report = {
      index: 7,
      status: 'error',
      logOffset: 0,
      tests: { tests: 1, failures: 1, errors: 0, skipped: 0 },
      cases: [
        { suite: 's', className: 'c', name: 'n', status: 'failed', durationMs: 1, message: 'm', detail: 'd' },
      ],
    };
    const steps = runnerPath(RUNNER_PATHS.steps, recordId);
    for (const sent of [report, { index: 7, status: 'running', logOffset: 0 }]) {
      const answer = await send('POST', steps, JSON.stringify(sent));
      expect(answer.status).toBe(400);
      expect(answer.body.error_msg).toMatch(/no step 7 .*1 step/);
    }
    expect((await kiln.storage.testCases.list(recordId, { offset: 0, limit: 10 })).kept).toBe(0);
    // Its own step is taken as always.
    expect((await send('POST', steps, JSON.stringify({ ...report, index: 0 }))).status).toBe(200);
    expect((await kiln.storage.testCases.list(recordId, { offset: 0, limit: 10 })).kept).toBe(1);
  });

  it('a requeue of a started build: 409 saying it started, not that the lease is lost', async () => {
    const recordId = await claimed('requeue-started');
    expect(
      (await send('POST', runnerPath(RUNNER_PATHS.started, recordId), JSON.stringify(checkout))).status,
    ).toBe(200);
    const answer = await send(
      'POST',
      runnerPath(RUNNER_PATHS.requeue, recordId),
      JSON.stringify({ arch: 'arm64', reason: 'env.resource asks for arm64' }),
    );
    expect(answer.status).toBe(409);
    expect(answer.body.error_msg).toMatch(/has started.*cannot go back to the queue/);
    expect((await kiln.storage.builds.findRun(recordId))?.build.runningStatus).toBe('Running');
  });

  it('a resumed artifact upload that announces another size: refused (400), the artifact not stored', async () => {
    const recordId = await claimed('artifact-size');
    expect(
      (await send('POST', runnerPath(RUNNER_PATHS.started, recordId), JSON.stringify(checkout))).status,
    ).toBe(200);
    const put = (size: number, offset: number, bytes: string) =>
      send(
        'PUT',
        `${runnerPath(RUNNER_PATHS.artifacts, recordId)}?name=app.bin&version=1&size=${size}&offset=${offset}`,
        Buffer.from(bytes),
      );
    // Half of 20 bytes arrives (a connection that broke off): the server holds 10.
    expect((await put(20, 0, '0123456789')).status).toBe(416);
    for (const [size, bytes] of [
      [10, ''],
      [15, '01234'],
    ] as const) {
      const answer = await put(size, 10, bytes);
      expect(answer.status).toBe(400);
      expect(answer.body.error_msg).toMatch(/began as 20 bytes.*not 10|began as 20 bytes.*not 15/);
    }
    expect(await kiln.storage.artifacts.find(recordId, 'app.bin')).toBeUndefined();
    // The upload as it began still completes.
    const done = await put(20, 10, 'abcdefghij');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ name: 'app.bin', size: 20 });
  });
});
