import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.ts';
import { S3ArtifactBlobs } from '../../src/storage/files/s3-artifact-blobs.ts';
import { startTestS3, type TestS3 } from '../helpers/s3rver.ts';
import { runBlobStoreContract } from './contract/artifact-blobs-contract.ts';

/** Each store of the contract on a prefix of its own, listed two keys a page (so paging runs). */
runBlobStoreContract({
  name: 'S3 (s3rver)',
  async setup() {
    const s3 = await startTestS3();
    return {
      make() {
        const prefix = `contract/${randomBytes(4).toString('hex')}`;
        const partsDir = s3.partsDir();
        const open = () => s3.blobs({ prefix, pageSize: 2, partsDir });
        return { blobs: open(), partsDir, reopen: open };
      },
      teardown: () => s3.close(),
    };
  },
});

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

describe('S3 store: the bucket and the prefix', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(() => s3?.close());

  it('keeps blobs under its prefix and lists only its own keys (never deeper ones)', async () => {
    const outer = s3.blobs({ prefix: '/team/' });
    const inner = s3.blobs({ prefix: 'team/inner' });
    const root = s3.blobs();
    await inner.appendPart('u', 0, bytes('deep'), 10);
    await inner.commitPart('u', 'deepkey');
    await outer.appendPart('u', 0, bytes('top'), 10);
    await outer.commitPart('u', 'topkey');
    const keys = async (store: typeof root) => {
      const out: string[] = [];
      for await (const b of store.listBlobs()) out.push(b.key);
      return out;
    };
    expect(await keys(outer)).toEqual(['topkey']);
    expect(await keys(inner)).toEqual(['deepkey']);
    expect(await keys(root)).toEqual([]);
    await expect(root.read('topkey')).rejects.toThrow('gone');
  });

  it('hands out presigned PUTs of a blob of its own for the size announced, and GETs', async () => {
    const store = s3.blobs({ prefix: 'direct' });
    const target = (await store.directUpload!('directkey', 5, 60))!;
    expect(target.headers).toEqual({ 'content-length': '5' });
    expect(new URL(target.url).pathname).toBe(`/${s3.bucket}/direct/directkey`);
    // The length is signed (S3 refuses another; s3rver does not check, so Kiln's record does).
    expect(new URL(target.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    expect(await store.blobSize('directkey')).toBeUndefined();
    const put = await fetch(target.url, { method: 'PUT', body: 'hello' });
    expect(put.status).toBe(200);
    expect(await store.blobSize('directkey')).toBe(5);
    expect(await text(await store.read('directkey'))).toBe('hello');
    // And presigned GETs of it.
    const got = await fetch(await store.directDownload!('directkey', 60));
    expect([got.status, await got.text()]).toEqual([200, 'hello']);
    // Signed for the address runners reach, when another one is set; none when turned off.
    const elsewhere = s3.blobs({ runnerEndpoint: 'http://store.example:9000' });
    expect((await elsewhere.directUpload!('k', 1, 60))?.url).toMatch(/^http:\/\/store\.example:9000\//);
    const off = s3.blobs({ direct: false });
    expect([off.directUpload, off.directDownload]).toEqual([undefined, undefined]);
    // More than one PUT takes (5 GiB): through the server, as a multipart upload.
    expect(await store.directUpload!('huge', 5 * 1024 ** 3 + 1, 60)).toBeUndefined();
  });

  it('streams a file past one part to the bucket as a multipart upload', async () => {
    const blobs = s3.blobs({ prefix: 'multi' });
    await blobs.appendPart('u', 0, bytes('x'.repeat(9 * 1024 * 1024)), 10 * 1024 * 1024);
    await blobs.commitPart('u', 'ninemib');
    // Two parts of 8 MiB at most: s3rver says "Stored part N of <upload id>" for each.
    expect(s3.log.filter((line) => /Stored part \d of \w+ in bucket/.test(line))).toHaveLength(2);
    expect(
      await blobs.read('ninemib', { start: 9 * 1024 * 1024 - 2, end: 9 * 1024 * 1024 - 1 }).then(text),
    ).toBe('xx');
  });

  it('keeps the part when the copy to the bucket fails, so that a retry copies it', async () => {
    const partsDir = s3.partsDir();
    // Nothing listens on port 9 of loopback: every request is refused.
    const down = s3.blobs({ prefix: 'retry', partsDir, endpoint: 'http://127.0.0.1:9' });
    await down.appendPart('u', 0, bytes('kept meanwhile'), 100);
    await expect(down.commitPart('u', 'retried')).rejects.toThrow();
    const up = s3.blobs({ prefix: 'retry', partsDir });
    expect(await up.partSize('u')).toBe(14);
    expect((await up.commitPart('u', 'retried')).size).toBe(14);
    expect(await text(await up.read('retried'))).toBe('kept meanwhile');
  });

  it('refuses to serve a range the server answered with other bytes', async () => {
    // s3rver reads "bytes=0-0" as "from 0 to the end" (and says so in Content-Range).
    const blobs = s3.blobs();
    await blobs.appendPart('u', 0, bytes('hello world'), 20);
    await blobs.commitPart('u', 'firstbyte');
    await expect(blobs.read('firstbyte', { start: 0, end: 0 })).rejects.toThrow(
      'answered bytes 0-0 of firstbyte with bytes 0-10/11',
    );
  });

  it('a missing bucket is an error of the configuration, not a gone artifact', async () => {
    const lost = s3.blobs({ bucket: 'no-such-bucket' });
    const error = await lost.read('somekey').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(AppError);
  });
});

describe('S3 store: a store that takes connections and never answers', () => {
  let server: Server;
  let endpoint: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts, reads, answers nothing: a stopped (SIGSTOP) or wedged S3 server, a proxy in between.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => {});
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('gives up on a read, a delete and a listing instead of waiting for ever', async () => {
    // Found by experiment: with s3rver stopped, a download waited 6 min 40 s (until the client
    // hung up) and the server's request to the store never ended; the sweep and retention loops,
    // which run one at a time, would wait as long.
    const blobs = new S3ArtifactBlobs({
      bucket: 'kiln',
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
      partsDir: mkdtempSync(join(tmpdir(), 'kiln-s3-silent-')),
      idleMs: 300,
      maxAttempts: 1,
    });
    try {
      const within = <T>(what: Promise<T>) =>
        Promise.race([
          what.then(
            () => 'answered',
            () => 'gave up',
          ),
          new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000)),
        ]);
      const listing = (async () => {
        for await (const blob of blobs.listBlobs()) void blob;
      })();
      expect(
        await Promise.all([within(blobs.read('k')), within(blobs.delete(['k'])), within(listing)]),
      ).toEqual(['gave up', 'gave up', 'gave up']);
    } finally {
      blobs.destroy();
    }
  }, 20_000);

  it('answers a read of a store that does not answer, or takes no connection, as unavailable (503)', async () => {
    const options = {
      bucket: 'kiln',
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
      partsDir: mkdtempSync(join(tmpdir(), 'kiln-s3-down-')),
      idleMs: 300,
      maxAttempts: 1,
    };
    // Silent, then refusing connections (a port nothing listens on: the discard port).
    for (const at of [endpoint, 'http://127.0.0.1:9']) {
      const blobs = new S3ArtifactBlobs({ ...options, endpoint: at });
      try {
        const error = await blobs.read('k').catch((e: unknown) => e);
        expect(error, at).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe('STORE_UNAVAILABLE');
      } finally {
        blobs.destroy();
      }
    }
  }, 20_000);
});
