import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';

/**
 * What Node's HTTP parser refuses before any route runs (over real HTTP: inject() has no parser)
 * is answered in the CodeArts error body with an X-Request-Id, as every other error.
 */

let kiln: TestKiln;
let port: number;

beforeAll(async () => {
  kiln = await createTestKiln();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  port = (kiln.app.server.address() as { port: number }).port;
});
afterAll(() => kiln?.close());

/** Sends `request` as it is and reads the answer until the server closes. */
function raw(request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    // A reset after the answer arrived still shows it; one before, fails the test below.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body });
    });
  });
}

it('answers 431 in the CodeArts body for a URL past 16 KB', async () => {
  const res = await raw(
    `GET /v3/jobs/x/build-info-records?x=${'a'.repeat(20_000)} HTTP/1.1\r\nhost: k\r\n\r\n`,
  );
  expect(res.status).toBe(431);
  expect(JSON.parse(res.body)).toEqual({
    error_code: 'CB.00060431',
    error_msg: 'the request line and headers are larger than 16 KB (a very long URL?)',
  });
  expect(res.headers).toMatch(/\r\nx-request-id: [0-9a-f]{32}\r\n/);
});

it('answers 400 in the CodeArts body for bytes that are not HTTP', async () => {
  const res = await raw('NOT HTTP AT ALL\r\n\r\n');
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body)).toEqual({
    error_code: 'CB.00060200',
    error_msg: 'the request is not valid HTTP',
  });
});

it('answers a form cut short with 400, signed in or not, and goes on serving', async () => {
  // The form's file part never ends (no closing boundary): the parser errs on the file's stream.
  const form = '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc';
  const post = (token: string) =>
    raw(
      `POST /v2/keystore/upload HTTP/1.1\r\nhost: k\r\nconnection: close\r\n${token}` +
        `content-type: multipart/form-data; boundary=zzz\r\ncontent-length: ${form.length}\r\n\r\n${form}`,
    );
  const anonymous = await post('');
  expect(anonymous.status).toBe(401);
  const token = await kiln.token();
  const signedIn = await post(`x-auth-token: ${token}\r\n`);
  expect(signedIn.status).toBe(400);
  expect(JSON.parse(signedIn.body)).toEqual({
    error_code: 'CB.00060200',
    error_msg: 'the form could not be read: Unexpected end of form',
  });
  const health = await raw('GET /healthz HTTP/1.1\r\nhost: k\r\nconnection: close\r\n\r\n');
  expect(health.status).toBe(200);
});
