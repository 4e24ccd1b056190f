import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NO_OPERATION_CODE } from '../../src/protocol/runner-http.ts';
import { ArtifactRefusedError } from '../../src/protocol/runner-protocol.ts';
import { HttpRunnerPeer } from '../../src/runner/http-peer.ts';
import { ERROR_TABLE } from '../../src/server/error-table.ts';

/**
 * A runner upgraded before its server: the server answers the calls it is older than as every Kiln
 * server answers a route it lacks (404, CB.00060214). Direct artifact transfers then go through the
 * server, as a server without them configured says with a 204 (an older server made every upload
 * fail, test-report zips included); another call it lacks fails saying to upgrade the servers. The
 * server here answers only that 404, as such a server does.
 */
let server: Server;
let peer: HttpRunnerPeer;
const RECORD = '01a2515c-64b0-7e1c-a8db-dea758e24ccc';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const path = (req.url ?? '').split('?')[0];
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ error_code: NO_OPERATION_CODE, error_msg: `no operation ${req.method} ${path}` }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer = new HttpRunnerPeer(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token');
});
afterAll(() => server?.close());

it('is the code the current server answers a route it lacks with', () => {
  expect(ERROR_TABLE.ROUTE_NOT_FOUND).toMatchObject({ status: 404, errorCode: NO_OPERATION_CODE });
});

it('sends artifacts through a server older than direct transfers', async () => {
  const upload = { name: 'out.txt', version: '', size: 10 };
  await expect(peer.directArtifact(RECORD, upload)).resolves.toBeUndefined();
  await expect(
    peer.directFetchArtifact(RECORD, '/v1/kiln/jobs/j/1/artifacts/out.txt'),
  ).resolves.toBeUndefined();
});

it('tells a call an older server lacks from a refusal, naming the fix', async () => {
  const refused = peer.fetchFile(RECORD, 'settings.xml');
  await expect(refused).rejects.toBeInstanceOf(ArtifactRefusedError);
  await expect(refused).rejects.toThrow(
    `the server does not know GET /v1/kiln/runner/builds/${RECORD}/file: it runs an older Kiln than this runner; upgrade the servers`,
  );
  await expect(peer.release(RECORD)).rejects.toThrow('it runs an older Kiln than this runner');
});
