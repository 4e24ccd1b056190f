import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDirect, putFileDirect } from '../../src/runner/direct-transfer.ts';

/**
 * The runner's side of presigned transfers against a stand-in object store on loopback (real
 * HTTP): what it sends and receives, and how it tells a refusal from success. The whole path
 * against a real S3-protocol server is test/engine/artifacts-s3.test.ts.
 */
describe('presigned transfers', () => {
  let server: Server;
  let base: string;
  let dir: string;
  const received = new Map<string, Buffer>();
  /** The Content-Length each PUT said. */
  const lengths = new Map<string, string | undefined>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-direct-'));
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        if (path.startsWith('/refuse')) {
          res.writeHead(403, { 'content-type': 'application/xml' });
          return res.end(
            '<Error>\n  <Code>SignatureDoesNotMatch</Code>\n  <StringToSign>AKIDEXAMPLE…</StringToSign>\n</Error>',
          );
        }
        if (req.method === 'PUT') {
          received.set(path, Buffer.concat(parts));
          lengths.set(path, req.headers['content-length']);
          return res.end();
        }
        const body = received.get(path);
        res.writeHead(body ? 200 : 404);
        res.end(body ?? '<Error><Code>NoSuchKey</Code></Error>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const signal = () => AbortSignal.timeout(10_000);
  const target = (path: string, size: number) => ({
    url: `${base}${path}`,
    key: 'k',
    headers: { 'content-length': String(size) },
  });

  it('PUTs the first `size` bytes of a file with their length, and says their sha256; GETs them back', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const file = join(dir, 'app.bin');
    writeFileSync(file, Buffer.concat([bytes, Buffer.from('grown since it was measured')]));
    const sha256 = await putFileDirect(
      target('/bucket/app', bytes.length),
      { root: dir, path: 'app.bin' },
      bytes.length,
      signal(),
    );
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(received.get('/bucket/app')?.equals(bytes)).toBe(true);
    expect(lengths.get('/bucket/app')).toBe(String(bytes.length));
    const source = { name: 'app.bin', size: bytes.length, sha256, url: `${base}/bucket/app` };
    const parts: Buffer[] = [];
    for await (const chunk of await getDirect(source, signal())) parts.push(Buffer.from(chunk));
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    // An empty file is an empty PUT.
    writeFileSync(join(dir, 'empty'), '');
    await putFileDirect(target('/bucket/empty', 0), { root: dir, path: 'empty' }, 0, signal());
    expect(received.get('/bucket/empty')?.length).toBe(0);
  });

  it("fails with the store's answer when it refuses, or holds nothing", async () => {
    writeFileSync(join(dir, 'small'), 'hello');
    // Its code alone: the rest of the body (the request signed, the key's id) never reaches a log.
    const refused = await putFileDirect(
      target('/refuse/put', 5),
      { root: dir, path: 'small' },
      5,
      signal(),
    ).catch((e: Error) => e.message);
    expect(refused).toBe('the object store answered 403 (SignatureDoesNotMatch)');
    const missing = { name: 'x', size: 1, sha256: '', url: `${base}/bucket/none` };
    await expect(getDirect(missing, signal())).rejects.toThrow('the object store answered 404 (NoSuchKey)');
  });

  it('fails when the store cannot be reached', async () => {
    writeFileSync(join(dir, 'small'), 'hello');
    const closed = { url: 'http://127.0.0.1:9/bucket/x', key: 'k', headers: { 'content-length': '5' } };
    await expect(putFileDirect(closed, { root: dir, path: 'small' }, 5, signal())).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
