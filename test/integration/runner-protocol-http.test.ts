import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_PATHS, runnerPath } from '../../src/protocol/runner-http.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';

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
