import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_PATHS, runnerPath } from '../../src/protocol/runner-http.ts';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';

/**
 * The runner protocol's routes over real HTTP on loopback: a malformed request is answered 400 in
 * the CodeArts error body, naming what is wrong, and a well-formed one about a build the runner
 * does not hold gets the protocol's 410 (but a release, which is idempotent).
 */
let kiln: TestKiln;
let base: string;
let runnerToken: string;
const RECORD = '00000000-0000-4000-8000-000000000000';

async function send(method: string, path: string, body?: string, token = runnerToken) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

beforeAll(async () => {
  kiln = await createTestKiln();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = kiln.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const admin = await kiln.token();
  const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/runners', payload: { name: 'r1' } });
  expect(res.statusCode).toBe(201);
  runnerToken = res.json().result.token;
});

afterAll(async () => {
  await kiln?.close();
});

describe('runner protocol over HTTP: malformed requests', () => {
  const steps = runnerPath(RUNNER_PATHS.steps, RECORD);

  it.each([
    ['next: wait_ms not a number', 'POST', RUNNER_PATHS.next, '{"wait_ms":"soon"}', /wait_ms/],
    ['next: wait_ms over the limit', 'POST', RUNNER_PATHS.next, '{"wait_ms":99999999}', /wait_ms/],
    [
      'started: a field missing',
      'POST',
      runnerPath(RUNNER_PATHS.started, RECORD),
      '{"commitId":"a"}',
      /commit|branch/,
    ],
    [
      'steps: an unknown status',
      'POST',
      steps,
      '{"index":0,"status":"bogus","logOffset":0}',
      /status' must be one of running, success, error/,
    ],
    ['steps: a negative offset', 'POST', steps, '{"index":0,"status":"running","logOffset":-1}', /logOffset/],
    ['steps: not JSON', 'POST', steps, '{"index":', /not valid JSON/],
    [
      'steps: a bad record id',
      'POST',
      runnerPath(RUNNER_PATHS.steps, 'nope'),
      '{"index":0,"status":"running","logOffset":0}',
      /record_id/,
    ],
    [
      'started: a commit time past year 9999',
      'POST',
      runnerPath(RUNNER_PATHS.started, RECORD),
      '{"commitId":"a","commitTime":8000000000000000000,"commitMessage":"","branch":"main"}',
      /commitTime/,
    ],
    [
      'steps: a log offset past what the store holds',
      'POST',
      steps,
      '{"index":0,"status":"running","logOffset":9223372036854775808}',
      /logOffset/,
    ],
    [
      "steps: a test case's time past what the store holds",
      'POST',
      steps,
      JSON.stringify({
        index: 0,
        status: 'success',
        logOffset: 0,
        tests: { tests: 1, failures: 0, errors: 0, skipped: 0 },
        cases: [
          {
            suite: '',
            className: 'c',
            name: 'n',
            status: 'passed',
            durationMs: 1e300,
            message: '',
            detail: '',
          },
        ],
      }),
      /durationMs/,
    ],
    [
      'steps: a coverage count past what the store holds',
      'POST',
      steps,
      JSON.stringify({
        index: 0,
        status: 'success',
        logOffset: 0,
        tests: { tests: 1, failures: 0, errors: 0, skipped: 0 },
        coverage: {
          format: 'jacoco',
          linesCovered: 1e300,
          linesTotal: 1,
          branchesCovered: 0,
          branchesTotal: 0,
        },
      }),
      /linesCovered/,
    ],
    [
      'done: an unknown state',
      'POST',
      runnerPath(RUNNER_PATHS.done, RECORD),
      '{"state":"GREAT"}',
      /state' must be one of .*SUCCESS/,
    ],
    [
      'log: offset not a number',
      'PUT',
      `${runnerPath(RUNNER_PATHS.log, RECORD)}?offset=abc`,
      undefined,
      /offset/,
    ],
  ])('%s: 400 naming the field', async (_name, method, path, body, field) => {
    const answer = await send(method, path, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error_code: expect.stringMatching(/^CB\./),
      error_msg: expect.stringMatching(field),
    });
  });

  it('a log chunk or an artifact sent as JSON: 415 naming octet-stream (it was taken as nothing)', async () => {
    for (const path of [
      `${runnerPath(RUNNER_PATHS.log, RECORD)}?offset=0`,
      `${runnerPath(RUNNER_PATHS.artifacts, RECORD)}?name=a.txt&version=1&size=0&offset=0`,
    ]) {
      const answer = await send('PUT', path, '{"line":"kept?"}');
      expect(answer).toEqual({
        status: 415,
        body: {
          error_code: 'CB.00060200',
          error_msg: 'unsupported Content-Type; send application/octet-stream',
        },
      });
    }
  });

  it('a request without a valid runner token: 401', async () => {
    const answer = await send('POST', steps, '{"index":0,"status":"running","logOffset":0}', 'not-a-token');
    expect(answer.status).toBe(401);
  });

  it('a release of a build the runner does not hold: 200, as for one it gave back already', async () => {
    const answer = await send('POST', runnerPath(RUNNER_PATHS.release, RECORD));
    expect(answer).toEqual({ status: 200, body: { status: 'success' } });
    expect((await send('POST', runnerPath(RUNNER_PATHS.release, 'nope'))).status).toBe(400);
  });

  it('a well-formed report about a build the runner does not hold: 410 (the lease is lost)', async () => {
    const answer = await send('POST', steps, '{"index":0,"status":"running","logOffset":0}');
    expect(answer.status).toBe(410);
    expect(answer.body.error_code).toMatch(/^CB\./);
  });
});

describe('runner protocol over HTTP: a checkout with a commit time no Date holds', () => {
  it('is refused naming the field, and the build still ends and is shown', async () => {
    // Git takes any date (`GIT_COMMITTER_DATE="@99999999999999 +0000"`): kept, such a time made
    // the build's end fail (500, for ever: the lease sweep too, stopping at it), and its record.
    const admin = await kiln.token();
    const created = await kiln.call(admin, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(await kiln.defaultProjectId(), { job_name: 'far-future' }),
    });
    expect(created.statusCode, created.body).toBe(200);
    const jobId = created.json().result.job_id as string;
    const run = await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
    expect(run.statusCode, run.body).toBe(200);
    const lease = await send('POST', RUNNER_PATHS.next, '{"wait_ms":2000}');
    expect(lease.status).toBe(200);
    const recordId = lease.body.recordId as string;

    const checkout = { commitId: 'a'.repeat(40), commitMessage: 'm', branch: 'main' };
    const far = await send(
      'POST',
      runnerPath(RUNNER_PATHS.started, recordId),
      JSON.stringify({ ...checkout, commitTime: 99999999999999000 }),
    );
    expect(far.status).toBe(400);
    expect(far.body.error_msg).toMatch(/commitTime/);

    const started = await send(
      'POST',
      runnerPath(RUNNER_PATHS.started, recordId),
      JSON.stringify({ ...checkout, commitTime: null }),
    );
    expect(started.status).toBe(200);
    const done = await send('POST', runnerPath(RUNNER_PATHS.done, recordId), '{"state":"SUCCESS"}');
    expect(done).toEqual({ status: 200, body: { status: 'success' } });
    const record = await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${jobId}/1/record-info` });
    expect(record.statusCode, record.body).toBe(200);
  });
});
