import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createKilnClient, type Kiln } from '../../src/client/kiln-client.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, tokenOf } from '../helpers/foundation.ts';
import { recordingProxy, type RecordingProxy } from '../helpers/sdk.ts';
import { sampleLines } from '../cli/record-lines.ts';

// The typed client (src/client/kiln-client.ts) against a real server on a socket, and against a
// tiny scripted HTTP server for retries.

const WIDE = { startTime: '2000-01-01 00:00:00', endTime: '2099-12-31 23:59:59' };
const HISTORY = 1_234;

/** Listens on 127.0.0.1:0; resolves to the base URL. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('typed client against a real Kiln', () => {
  let kiln: TestKiln;
  let proxy: RecordingProxy;
  let client: Kiln;
  let jobId: string;

  beforeAll(async () => {
    kiln = await createTestKiln();
    await kiln.app.listen({ host: '127.0.0.1', port: 0 });
    const address = kiln.app.server.address();
    proxy = await recordingProxy(
      `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    );
    const token = await tokenOf(kiln, ADMIN);
    client = createKilnClient({ baseUrl: proxy.url, credentials: { token }, retryDelayMs: 1 });
    jobId = await createJob(kiln, token, await kiln.defaultProjectId(), { job_name: 'history' });
    const imported = await client.request({
      method: 'POST',
      path: `/v1/kiln/jobs/${jobId}/import`,
      rawBody: { contentType: 'application/x-ndjson', data: `${sampleLines(HISTORY).join('\n')}\n` },
    });
    expect(((await imported.json()) as { result: unknown }).result).toMatchObject({
      imported: HISTORY,
      skipped: 0,
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await kiln?.close();
  });

  it(`records() walks all ${HISTORY} records, newest first, one request per page`, async () => {
    const before = proxy.exchanges.length;
    const numbers: number[] = [];
    for await (const record of client.records(jobId, WIDE)) numbers.push(record.number);
    expect(numbers).toHaveLength(HISTORY);
    expect(numbers).toEqual(Array.from({ length: HISTORY }, (_, i) => HISTORY - i));
    const pages = proxy.exchanges.slice(before);
    expect(pages).toHaveLength(Math.ceil(HISTORY / 100));
    expect(pages.map((p) => new URL(p.url, 'http://x').searchParams.get('page_index'))).toEqual(
      pages.map((_, i) => String(i)),
    );
    expect(pages.every((p) => p.status === 200)).toBe(true);
  });

  it('records() with another page size, and stopping early fetches no further page', async () => {
    const before = proxy.exchanges.length;
    let count = 0;
    for await (const _ of client.records(jobId, { ...WIDE, pageSize: 33 })) count++;
    expect(count).toBe(HISTORY);
    expect(proxy.exchanges.length - before).toBe(Math.ceil(HISTORY / 33));

    const start = proxy.exchanges.length;
    const firstFive: number[] = [];
    for await (const record of client.records(jobId, { ...WIDE, pageSize: 10 })) {
      firstFive.push(record.number);
      if (firstFive.length === 5) break;
    }
    expect(firstFive).toEqual([1234, 1233, 1232, 1231, 1230]);
    expect(proxy.exchanges.length - start).toBe(1);
  });

  it('records() of an empty window yields nothing after one request', async () => {
    const before = proxy.exchanges.length;
    const none = [];
    for await (const r of client.records(jobId, {
      startTime: '1999-01-01 00:00:00',
      endTime: '1999-12-31 23:59:59',
    }))
      none.push(r);
    expect(none).toEqual([]);
    expect(proxy.exchanges.length - before).toBe(1);
  });

  it('ApiError carries status, error_code, message and the X-Request-Id', async () => {
    const error = await client
      .listBuildInfoRecord({
        params: { job_id: '0'.repeat(32) },
        query: { start_time: WIDE.startTime, end_time: WIDE.endTime },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    expect(e).toMatchObject({ name: 'ApiError', status: 404, code: 'CB.00060201' });
    expect(e.message).toMatch(/job/i);
    expect(e.requestId).not.toBe('');
    expect(e.requestId).toBe(proxy.exchanges[proxy.exchanges.length - 1]?.requestId);

    const bad = (await client
      .listBuildInfoRecord({
        params: { job_id: jobId },
        query: { start_time: 'today', end_time: WIDE.endTime },
      })
      .catch((x: unknown) => x)) as ApiError;
    expect(bad).toMatchObject({ status: 400, code: 'CB.00060200' });
    expect(bad.message).toContain('start_time');

    // IAM answers in Keystone's shape; the client reads that too.
    const login = (await createKilnClient({ baseUrl: proxy.url })
      .login({ name: 'admin', password: 'wrong-password-1' })
      .catch((x: unknown) => x)) as ApiError;
    expect(login).toMatchObject({ status: 401, code: '401', message: 'The username or password is wrong.' });
    expect(login.requestId).not.toBe('');

    const anonymous = (await createKilnClient({ baseUrl: proxy.url })
      .showCurrentUser()
      .catch((x: unknown) => x)) as ApiError;
    expect(anonymous).toMatchObject({ status: 401, code: 'APIGW.0301' });
  });
});

/** What the scripted server does for the n-th request (1-based) of a method. */
type Script = (n: number, req: IncomingMessage, res: ServerResponse) => void;

describe('typed client retries: idempotent calls only', () => {
  let server: Server;
  let url: string;
  const hits: Record<string, number> = {};
  let script: Script = () => undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const key = req.method ?? '';
        hits[key] = (hits[key] ?? 0) + 1;
        script(hits[key] ?? 0, req, res);
      });
    });
    url = await listen(server);
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  const reset = (s: Script) => {
    for (const k of Object.keys(hits)) delete hits[k];
    script = s;
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-request-id': `req-${status}`,
      ...headers,
    });
    res.end(JSON.stringify(body));
  };
  const unavailableTwice: Script = (n, _req, res) =>
    n <= 2
      ? json(res, 503, { error_code: 'CB.00060100', error_msg: 'Network busy' })
      : json(res, 200, { result: { name: 'admin' }, status: 'success', error: null });
  const client = () => createKilnClient({ baseUrl: url, credentials: { token: 't' }, retryDelayMs: 1 });

  it('GET: 503 twice, then 200: three requests, one answer', async () => {
    reset(unavailableTwice);
    const me = await client().showCurrentUser();
    expect(me.result.name).toBe('admin');
    expect(hits).toEqual({ GET: 3 });
  });

  it('PUT and DELETE are idempotent too; 429 is retried like 5xx', async () => {
    reset(unavailableTwice);
    await client().updateAccessKey({ params: { ak: 'AK' }, body: { status: 'disabled' } });
    expect(hits).toEqual({ PUT: 3 });
    reset((n, _req, res) =>
      n === 1
        ? json(res, 429, { error_code: 'CB.00060211', error_msg: 'slow down' }, { 'retry-after': '0' })
        : json(res, 200, { status: 'success' }),
    );
    await client().deleteAccessKey({ params: { ak: 'AK' } });
    expect(hits).toEqual({ DELETE: 2 });
  });

  it('POST is never retried: the first 503 is the answer', async () => {
    reset(unavailableTwice);
    const error = (await client()
      .runJob({ body: { job_id: 'a'.repeat(32) } })
      .catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 503,
      code: 'CB.00060100',
      message: 'Network busy',
      requestId: 'req-503',
    });
    expect(hits).toEqual({ POST: 1 });
  });

  it('a 4xx is not retried, even for GET', async () => {
    reset((_n, _req, res) => json(res, 404, { error_code: 'CB.00060201', error_msg: 'job not found' }));
    await expect(client().showCurrentUser()).rejects.toMatchObject({ status: 404 });
    expect(hits).toEqual({ GET: 1 });
  });

  it('gives up after `attempts` and reports the last answer', async () => {
    reset((_n, _req, res) => json(res, 502, { error_code: 'CB.00060101', error_msg: 'upstream down' }));
    const limited = createKilnClient({
      baseUrl: url,
      credentials: { token: 't' },
      retryDelayMs: 1,
      attempts: 3,
    });
    await expect(limited.showCurrentUser()).rejects.toMatchObject({ status: 502, code: 'CB.00060101' });
    expect(hits).toEqual({ GET: 3 });
  });

  it('a non-JSON error body becomes HTTP_<status>: the server, status, type and the text', async () => {
    reset((_n, _req, res) => {
      res.writeHead(418, { 'content-type': 'text/plain' });
      res.end("I'm a teapot");
    });
    await expect(client().showCurrentUser()).rejects.toMatchObject({
      status: 418,
      code: 'HTTP_418',
      message: expect.stringMatching(/^http:\/\/\S+ answered 418 text\/plain: I'm a teapot$/),
      requestId: '',
    });
  });

  it('an HTML error page is summed up in one line by its title, not dumped', async () => {
    reset((_n, _req, res) => {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<html>\r\n<head><title>404\r\n Not Found</title></head>\r\n<body><h1>Not Found</h1></body></html>',
      );
    });
    const error = (await client()
      .showCurrentUser()
      .catch((e: unknown) => e)) as ApiError;
    expect(error.message).toMatch(/ answered 404 text\/html: 404 Not Found$/);
  });

  it('a 200 that is not JSON, or JSON without what the operation answers, is NOT_KILN', async () => {
    reset((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><p>Welcome');
    });
    await expect(client().showCurrentUser()).rejects.toMatchObject({
      status: 200,
      code: 'NOT_KILN',
      message: expect.stringMatching(/did not answer as Kiln .*: 200 text\/html, not JSON$/),
    });
    reset((_n, _req, res) => json(res, 200, { status: 'ok' }));
    await expect(client().showCurrentUser()).rejects.toMatchObject({
      code: 'NOT_KILN',
      message: expect.stringMatching(/: 200 application\/json, no result$/),
    });
    reset((_n, _req, res) => json(res, 200, { result: 'yes' }));
    await expect(client().showCurrentUser()).rejects.toMatchObject({
      code: 'NOT_KILN',
      message: expect.stringMatching(/result is a string, not object$/),
    });
  });

  it('a server that takes the connection but never answers: TIMEOUT, not retried', async () => {
    reset(() => undefined);
    const slow = createKilnClient({ baseUrl: url, credentials: { token: 't' }, answerTimeoutMs: 300 });
    const started = Date.now();
    await expect(slow.showCurrentUser()).rejects.toMatchObject({
      status: 0,
      code: 'TIMEOUT',
      message: `${url} took the connection but sent no answer within 0.3 s`,
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(hits).toEqual({ GET: 1 });
  });

  it('a body slower in all than the answer timeout is read whole while each part comes within it', async () => {
    reset((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const parts = ['{"result": {"name": ', '"admin"}, "status": ', '"success", "error": null}'];
      const next = () => {
        const part = parts.shift();
        if (parts.length === 0) return void res.end(part);
        res.write(part);
        setTimeout(next, 1200);
      };
      next();
    });
    // 2.4 s in all, parts 1.2 s apart (well inside 2 s even on a loaded machine).
    const slow = createKilnClient({ baseUrl: url, credentials: { token: 't' }, answerTimeoutMs: 2000 });
    expect((await slow.showCurrentUser()).result.name).toBe('admin');
  });

  it('a body that stops coming after the headers: TIMEOUT once nothing came for the answer timeout', async () => {
    reset((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"result":');
      // ...and nothing more: the connection stays open. Before, the CLI waited for ever.
    });
    const stalled = createKilnClient({ baseUrl: url, credentials: { token: 't' }, answerTimeoutMs: 300 });
    const started = Date.now();
    await expect(stalled.showCurrentUser()).rejects.toMatchObject({
      status: 0,
      code: 'TIMEOUT',
      message: `${url} stopped sending its answer for 0.3 s`,
    });
    expect(Date.now() - started).toBeLessThan(3000);
    // An error answer's body too (a proxy's 502 page that stops halfway).
    reset((_n, _req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.write('<html><head><title>Not');
    });
    await expect(stalled.showCurrentUser()).rejects.toMatchObject({ status: 0, code: 'TIMEOUT' });
  });

  it('connection failures: GET retried, POST not; status 0, code CONNECTION', async () => {
    reset((n, req, res) => {
      if (n === 1) return req.socket.destroy();
      json(res, 200, { result: { name: 'admin' }, status: 'success', error: null });
    });
    expect((await client().showCurrentUser()).result.name).toBe('admin');
    expect(hits).toEqual({ GET: 2 });

    reset((_n, req) => req.socket.destroy());
    const error = (await client()
      .runJob({ body: { job_id: 'a'.repeat(32) } })
      .catch((e: unknown) => e)) as ApiError;
    expect(error).toMatchObject({ status: 0, code: 'CONNECTION' });
    expect(error.message).toContain(`cannot reach ${url}`);
    expect(hits).toEqual({ POST: 1 });

    const nobody = createKilnClient({ baseUrl: 'http://127.0.0.1:1', retryDelayMs: 1, attempts: 2 });
    await expect(nobody.showCurrentUser()).rejects.toMatchObject({ status: 0, code: 'CONNECTION' });
  });
});
