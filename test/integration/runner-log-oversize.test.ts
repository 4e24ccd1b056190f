import { Agent, request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RUNNER_PATHS, runnerPath } from '../../src/protocol/runner-http.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';

/**
 * A log chunk over the 4 MiB limit is answered 413 (runner-protocol.routes.ts readChunk) while
 * the rest of its body is still on the connection. The connection must then either be closed or
 * go on answering: here the next request a runner sends on it (a kept-alive connection, as the
 * runner's HTTP peer uses) is never answered, and the server cannot close (Fastify waits for it).
 */
let kiln: TestKiln;
let port = 0;
let runnerToken = '';
const RECORD = '00000000-0000-4000-8000-000000000000';
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function send(method: string, path: string, body: Buffer | string, type: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { authorization: `Bearer ${runnerToken}`, 'content-type': type },
        timeout: 5_000,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  kiln = await createTestKiln();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = kiln.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  const admin = await kiln.token();
  const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/runners', payload: { name: 'r1' } });
  runnerToken = res.json().result.token;
});

afterAll(async () => {
  agent.destroy();
  // A connection left hanging holds the close; do not let it hold the suite.
  kiln?.app.server.closeAllConnections();
  await kiln?.close();
});

it('answers the requests after a refused oversized log chunk on the same connection', async () => {
  const log = `${runnerPath(RUNNER_PATHS.log, RECORD)}?offset=0`;
  const big = await send('PUT', log, Buffer.alloc(5 * 1024 * 1024, 0x61), 'application/octet-stream');
  expect(big.status).toBe(413);
  for (let i = 0; i < 3; i++) {
    const next = await send('POST', runnerPath(RUNNER_PATHS.extend, RECORD), '', 'application/json');
    expect(next.status).toBe(200);
  }
}, 30_000);
