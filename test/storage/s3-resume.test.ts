import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy.ts';
import { startTestS3, type TestS3 } from '../helpers/s3rver.ts';

/**
 * A connection to the store that fails in the middle of an object's body (after the headers, where
 * the SDK no longer retries) costs a download nothing: the read asks for the rest from where it
 * stopped (Range, If-Match) and the same stream goes on. A second failure, or another object under
 * the key, fails the stream rather than ending it short or splicing bytes. A proxy in front of a
 * real s3rver relays part of the answer and resets the connection.
 */

let s3: TestS3;
const proxies: FlakyProxy[] = [];
/** 1 MiB: far more than the 16 KiB of the answer the proxy relays before it cuts. */
const artifact = randomBytes(1024 * 1024);
beforeAll(async () => {
  s3 = await startTestS3();
  const direct = s3.blobs({ prefix: 'resume' });
  await direct.appendPart('u', 0, chunks(artifact), artifact.length);
  await direct.commitPart('u', 'k');
});
afterAll(() => s3?.close());
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function* chunks(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

/** A store on the bucket through a proxy whose first `cuts` connections are cut mid-answer. */
async function cutStore(cuts: number) {
  const proxy = await startFlakyProxy(Number(new URL(s3.endpoint).port), cuts, 'cut-answer');
  proxies.push(proxy);
  return { proxy, blobs: s3.blobs({ prefix: 'resume', endpoint: `http://${proxy.host}` }) };
}

describe('a body cut in the middle', () => {
  it.each([
    ['the whole object', undefined],
    ['a range', { start: 100_000, end: 899_999 }],
  ] as const)('is read whole once more from where it stopped: %s', async (_, range) => {
    const { proxy, blobs } = await cutStore(1);
    const read = collect(await blobs.read('k', range));
    await proxy.cut();
    const got = await read;
    const want = range ? artifact.subarray(range.start, range.end + 1) : artifact;
    expect(got.length).toBe(want.length);
    expect(sha256(got)).toBe(sha256(want));
    expect(proxy.connections()).toBe(2);
  });

  it('a second time fails the stream', async () => {
    const { proxy, blobs } = await cutStore(2);
    const read = collect(await blobs.read('k'));
    const failed = expect(read).rejects.toThrow();
    // Without a second request (no resume at all) there is no second connection to cut.
    await Promise.race([proxy.cut().then(() => proxy.cut()), read.catch(() => {})]);
    await failed;
    expect(proxy.connections()).toBe(2);
  });

  it('never splices another object under the key onto the bytes read', async () => {
    const { proxy, blobs } = await cutStore(1);
    const read = collect(await blobs.read('k'));
    const failed = expect(read).rejects.toThrow(/another object/);
    // A presigned PUT can replace the object while it is read (s3rver ignores If-Match: the tag
    // of the answer is checked too).
    const direct = s3.blobs({ prefix: 'resume' });
    const other = randomBytes(artifact.length);
    await direct.appendPart('v', 0, chunks(other), other.length);
    await direct.commitPart('v', 'k');
    await proxy.cut();
    await failed;
    // Put back for the other tests (whatever their order).
    await direct.appendPart('w', 0, chunks(artifact), artifact.length);
    await direct.commitPart('w', 'k');
  });
});
