import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy.ts';
import { startTestS3, type TestS3 } from '../helpers/s3rver.ts';

/**
 * One dropped request to the store (a reset connection, a 503) costs nothing: the SDK tries each
 * request again (its default three attempts), for the commit of an upload, a download, a range,
 * a listing and a delete. Through a proxy in front of a real s3rver, no mock.
 */

let s3: TestS3;
const proxies: FlakyProxy[] = [];
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(() => s3?.close());
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

/** A store on the bucket through a proxy that fails its first request as `how` says. */
async function flakyStore(prefix: string, how: 'reset' | 'http-503') {
  const proxy = await startFlakyProxy(Number(new URL(s3.endpoint).port), 1, how);
  proxies.push(proxy);
  return { proxy, blobs: s3.blobs({ prefix, endpoint: `http://${proxy.host}` }) };
}

describe.each(['reset', 'http-503'] as const)('a store that fails one request (%s)', (how) => {
  it('commits an upload (one PUT, and multipart)', async () => {
    for (const [key, body] of [
      ['small', 'hello'],
      ['large', 'x'.repeat(9 * 1024 * 1024)],
    ] as const) {
      const { proxy, blobs } = await flakyStore(`commit-${how}`, how);
      await blobs.appendPart('u', 0, bytes(body), 10 * 1024 * 1024);
      expect((await blobs.commitPart('u', key)).size).toBe(body.length);
      expect(proxy.connections()).toBeGreaterThan(1);
      expect(await s3.blobs({ prefix: `commit-${how}` }).blobSize(key)).toBe(body.length);
    }
  });

  it('serves a download, a range, a listing and a delete', async () => {
    const prefix = `read-${how}`;
    const direct = s3.blobs({ prefix });
    await direct.appendPart('u', 0, bytes('hello world'), 100);
    await direct.commitPart('u', 'k');
    const calls = [
      async (b: typeof direct) => expect(await text(await b.read('k'))).toBe('hello world'),
      async (b: typeof direct) => expect(await text(await b.read('k', { start: 6, end: 10 }))).toBe('world'),
      async (b: typeof direct) => {
        const keys: string[] = [];
        for await (const blob of b.listBlobs()) keys.push(blob.key);
        expect(keys).toEqual(['k']);
      },
      async (b: typeof direct) => {
        await b.delete(['k']);
        expect(await direct.blobSize('k')).toBeUndefined();
      },
    ];
    for (const call of calls) {
      const { proxy, blobs } = await flakyStore(prefix, how);
      await call(blobs);
      expect(proxy.connections()).toBeGreaterThan(1);
    }
  });
});
