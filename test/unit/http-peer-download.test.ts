import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ARTIFACT_NAME_HEADER,
  ARTIFACT_SHA256_HEADER,
  ARTIFACT_SIZE_HEADER,
} from '../../src/protocol/runner-http.ts';
import { ArtifactRefusedError } from '../../src/protocol/runner-protocol.ts';
import { HttpRunnerPeer } from '../../src/runner/http-peer.ts';

/**
 * A download (an artifact, a file of the file manager) that reaches a remote runner without a
 * Content-Length, in chunks, as a proxy that compresses or re-chunks passes it on: its size is the
 * server's own header. Without any size the download is refused at once, not retried as if short.
 * The server here stands for that proxy: it answers what Kiln sends, less the Content-Length.
 */
const BYTES = Buffer.from('registry=https://example.test\n');
let server: Server;
let peer: HttpRunnerPeer;
let sizeHeader = true;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.setHeader(ARTIFACT_NAME_HEADER, 'settings.conf');
    res.setHeader(ARTIFACT_SHA256_HEADER, 'a'.repeat(64));
    if (sizeHeader) res.setHeader(ARTIFACT_SIZE_HEADER, String(BYTES.length));
    res.write(BYTES.subarray(0, 10));
    res.end(BYTES.subarray(10));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer = new HttpRunnerPeer(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token');
});
afterAll(() => server?.close());

it("takes a chunked download's size from Kiln's header", async () => {
  for (const fetched of [
    await peer.fetchFile('r'.repeat(32), 'settings.conf'),
    await peer.fetchArtifact('r'.repeat(32), 'https://kiln.test/artifacts/x'),
  ]) {
    expect(fetched.size).toBe(BYTES.length);
    const chunks: Uint8Array[] = [];
    for await (const chunk of fetched.body) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(BYTES);
  }
});

it('refuses a download whose size it is not told, for good', async () => {
  sizeHeader = false;
  const refused = peer.fetchFile('r'.repeat(32), 'settings.conf');
  await expect(refused).rejects.toBeInstanceOf(ArtifactRefusedError);
  await expect(refused).rejects.toThrow(`does not say the size of the download (${ARTIFACT_SIZE_HEADER})`);
});
