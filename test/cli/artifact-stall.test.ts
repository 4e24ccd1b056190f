import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { partPath, saveArtifact } from '../../src/cli/artifact-files.ts';
import { createKilnClient } from '../../src/client/kiln-client.ts';

/**
 * An artifact download whose bytes stop coming (a server or a proxy that stalled): the download
 * stops once nothing came for the answer timeout, saying so, and keeps what came for the next run
 * to resume, instead of waiting for ever.
 */
let server: Server;
let url = '';
let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-stall-'));
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000', etag: '"x"' });
    res.write(Buffer.alloc(100, 1));
    // ...and nothing more, the connection left open.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

it('stops a download that stalled, keeping its part, and says why', async () => {
  const client = createKilnClient({ baseUrl: url, credentials: { token: 't' }, answerTimeoutMs: 300 });
  const target = join(dir, 'app.bin');
  const at = { jobId: 'a'.repeat(32), buildNo: 1, name: 'app.bin' };
  const failure = await saveArtifact(
    client,
    at,
    { name: 'app.bin', size: 1000, sha256: 'x' },
    target,
    () => {},
  ).catch((e: unknown) => e);
  expect((failure as Error).message).toBe(
    'the download of app.bin stopped at 100 B of 1000 B (the server sent nothing for 0.3 s); run the command again to resume',
  );
  expect(statSync(partPath(target)).size).toBe(100);
  expect(existsSync(target)).toBe(false);
});
