import { randomBytes } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';

/**
 * A push delivery may be up to 25 MiB and is read whole before its signature can be checked. One
 * for no job is answered 404 from its headers alone, its body never read: otherwise anyone could
 * make the server hold 25 MiB per connection (40 such posts took its RSS from 140 to 438 MiB).
 */
let kiln: TestKiln;
let port: number;

beforeAll(async () => {
  kiln = await createTestKiln();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  port = (kiln.app.server.address() as AddressInfo).port;
});
afterAll(() => kiln?.close());

/** Sends the headers of a 24 MiB delivery and 1 KiB of it; what the server answers within 5 s. */
function headersOnly(jobId: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (text: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(() => done(answer || 'no answer'), 5_000);
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      if (answer.includes('\r\n\r\n')) done(answer.split('\r\n')[0]!);
    });
    socket.on('error', () => done(answer || 'error'));
    socket.write(
      `POST /v1/kiln/webhooks/${jobId} HTTP/1.1\r\nHost: kiln\r\nContent-Type: application/json\r\n` +
        `X-GitHub-Event: push\r\nContent-Length: ${24 * 1024 * 1024}\r\n\r\n${'x'.repeat(1024)}`,
    );
  });
}

it('answers a delivery for no job 404 from its headers, without reading its body', async () => {
  expect(await headersOnly(randomBytes(16).toString('hex'))).toBe('HTTP/1.1 404 Not Found');
  expect(await headersOnly('not-a-job-id')).toBe('HTTP/1.1 404 Not Found');
});
