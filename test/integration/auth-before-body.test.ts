import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationFor, sdkDate, UNSIGNED_PAYLOAD } from '../../src/contract/aksk-signing.ts';
import { RUNNER_PATHS, runnerPath } from '../../src/protocol/runner-http.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';

/**
 * Who asks is checked before the body is read: a request without a good token (or runner token,
 * or AK/SK signature) is a 401, whatever its body, and it is answered while its body is still
 * coming. A body past its route's limit was checked first: an anonymous form bigger than the
 * keystore cap got a 413, and one under it was read whole before its 401. Over real HTTP (the
 * limits are the HTTP server's), each request sending its head and a little of its body only: a
 * server that waits for the rest never answers, and the test fails on the socket's guard.
 */

let kiln: TestKiln;
let port = 0;
let token = '';
let runnerToken = '';
const RECORD = '00000000-0000-4000-8000-000000000000';
const BIG = 70 * 1024 * 1024;
const FORM_TYPE = 'multipart/form-data; boundary=zzz';

interface Answer {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends a request head announcing `length` bytes of body, then 1 KiB of it, and reads the answer
 * (until its Content-Length is in, or the server closes); never sends the rest.
 */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  length: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const lines = Object.entries({ host: `127.0.0.1:${port}`, ...headers, 'content-length': String(length) });
    const head = `${method} ${path} HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      socket.write(Buffer.alloc(Math.min(length, 1024), 0x61));
    });
    let text = Buffer.alloc(0);
    const answer = (): Answer | undefined => {
      const all = text.toString('utf8');
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const head = all.slice(0, end);
      const body = all.slice(end + 4);
      const size = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? NaN);
      if (Buffer.byteLength(body) < size) return undefined;
      return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body };
    };
    // A guard against a hang (a server that waits for the body), not a measure of speed.
    socket.setTimeout(20_000, () => socket.destroy(new Error(`${method} ${path}: no answer`)));
    socket.on('data', (d: Buffer) => {
      text = Buffer.concat([text, d]);
      const done = answer();
      if (done) {
        socket.destroy();
        resolve(done);
      }
    });
    socket.on('error', (e) => reject(e));
    socket.on('close', () => {
      const done = answer();
      if (done) resolve(done);
      else reject(new Error(`${method} ${path}: closed without an answer: ${text.toString('utf8')}`));
    });
  });
}

function expectUnauthenticated(res: Answer, reason: RegExp): void {
  expect(res.status, res.body).toBe(401);
  const body = JSON.parse(res.body) as { error_code: string; error_msg: string };
  expect(body.error_code).toBe('APIGW.0301');
  expect(body.error_msg).toMatch(reason);
}

beforeAll(async () => {
  kiln = await createTestKiln();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = kiln.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  token = await kiln.token();
  const res = await kiln.call(token, { method: 'POST', url: '/v1/kiln/runners', payload: { name: 'r1' } });
  runnerToken = res.json().result.token;
});

afterAll(async () => {
  kiln?.app.server.closeAllConnections();
  await kiln?.close();
});

describe('UploadKeystore (a raised body limit)', () => {
  const upload = (headers: Record<string, string>, length: number) =>
    send('POST', '/v2/keystore/upload', { 'content-type': FORM_TYPE, ...headers }, length);

  it('answers 401, not 413, to a form over the limit without a token or with a bad one', async () => {
    expectUnauthenticated(await upload({}, BIG), /x-auth-token not found/);
    expectUnauthenticated(await upload({ 'x-auth-token': 'not-a-token' }, BIG), /decrypt token fail/);
  });

  it('answers 401 to a form under the limit without reading it', async () => {
    expectUnauthenticated(await upload({}, 512 * 1024), /x-auth-token not found/);
  });

  it('still answers 413 to a signed-in caller, without reading the form', async () => {
    const res = await upload({ 'x-auth-token': token }, BIG);
    expect(res.status, res.body).toBe(413);
    expect(JSON.parse(res.body)).toEqual({
      error_code: 'CB.00060413',
      error_msg: `a file may have at most 1048576 bytes; the form sent has ${BIG} bytes`,
    });
  });

  describe('signed with AK/SK', () => {
    let key = { ak: '', sk: '' };
    beforeAll(async () => {
      const res = await kiln.call(token, {
        method: 'POST',
        url: '/v1/kiln/access-keys',
        payload: { description: 'uploads' },
      });
      expect(res.statusCode, res.body).toBe(201);
      key = { ak: res.json().result.key.ak, sk: res.json().result.sk };
    });
    /** Signed as the SDKs sign an upload: its payload UNSIGNED. */
    const signed = (sk: string, ak = key.ak) => {
      const headers = {
        host: `127.0.0.1:${port}`,
        'content-type': FORM_TYPE,
        'x-sdk-date': sdkDate(kiln.clock.now()),
        'x-sdk-content-sha256': UNSIGNED_PAYLOAD,
      };
      const authorization = authorizationFor({
        method: 'POST',
        path: '/v2/keystore/upload',
        query: [],
        headers,
        body: undefined,
        ak,
        sk,
      });
      return { ...headers, authorization };
    };

    it('answers 401 to an unknown key or a bad signature, 413 to a good one', async () => {
      expectUnauthenticated(await upload(signed(key.sk, 'NOSUCHKEY0000000'), BIG), /ak not exist/);
      expectUnauthenticated(await upload(signed('wrong-secret'), BIG), /verify aksk signature fail/);
      const res = await upload(signed(key.sk), BIG);
      expect(res.status, res.body).toBe(413);
    });
  });
});

describe('a JSON body past the default limit', () => {
  it('is a 401 without a token, a 413 with one', async () => {
    const create = (headers: Record<string, string>) =>
      send('POST', '/v3/jobs/create', { 'content-type': 'application/json', ...headers }, 2 * 1024 * 1024);
    expectUnauthenticated(await create({}), /x-auth-token not found/);
    expect((await create({ 'x-auth-token': token })).status).toBe(413);
  });
});

describe('the runner protocol', () => {
  it("checks the runner's token before a JSON body past the limit", async () => {
    const next = (headers: Record<string, string>) =>
      send('POST', RUNNER_PATHS.next, { 'content-type': 'application/json', ...headers }, 2 * 1024 * 1024);
    expectUnauthenticated(await next({}), /runner token not found/);
    expectUnauthenticated(await next({ authorization: 'Bearer nope' }), /unknown runner token/);
    const res = await next({ authorization: `Bearer ${runnerToken}` });
    expect(res.status).toBe(413);
    // Named as the API's own 413s are: the limit and the size sent.
    expect(JSON.parse(res.body)).toEqual({
      error_code: 'CB.00060413',
      error_msg: `the request body may have at most 1048576 bytes; this one has ${2 * 1024 * 1024} bytes`,
    });
  });

  it("checks the runner's token before an artifact's or a log chunk's body", async () => {
    const put = (path: string, headers: Record<string, string>) =>
      send('PUT', path, { 'content-type': 'application/octet-stream', ...headers }, BIG);
    const artifact = `${runnerPath(RUNNER_PATHS.artifacts, RECORD)}?name=a.bin&version=1&size=${BIG}&offset=0`;
    const log = `${runnerPath(RUNNER_PATHS.log, RECORD)}?offset=0`;
    expectUnauthenticated(await put(artifact, {}), /runner token not found/);
    expectUnauthenticated(await put(log, {}), /runner token not found/);
    expect((await put(log, { authorization: `Bearer ${runnerToken}` })).status).toBe(413);
  });
});
