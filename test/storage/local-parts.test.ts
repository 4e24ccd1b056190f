import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalParts } from '../../src/storage/files/local-parts.ts';

/**
 * Parts written back to disk as they arrive (the filesystem store's, so that its commit's fsync
 * waits for the last bytes only): the bytes and their hash are those sent, and a part cut off while
 * a write-back runs resumes like any other.
 */

let root: string;
/** FileHandle's prototype (the class is not exported): where the write-backs are counted. */
let handleProto: { datasync(): Promise<void> };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kiln-parts-'));
  const handle = await open(join(root, 'probe'), 'w');
  handleProto = Object.getPrototypeOf(handle) as typeof handleProto;
  await handle.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** `data` in chunks of 4 KiB; throws after `failAfter` bytes when given. */
async function* chunks(data: Buffer, failAfter = Infinity): AsyncIterable<Uint8Array> {
  for (let at = 0; at < data.length; at += 4096) {
    if (at >= failAfter) throw new Error('connection cut');
    yield data.subarray(at, at + 4096);
    await new Promise((r) => setImmediate(r));
  }
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('LocalParts with write-back', () => {
  it('writes back every so many bytes, and keeps the bytes and hash sent', async () => {
    const syncs = vi.spyOn(handleProto, 'datasync');
    const parts = new LocalParts(mkdtempSync(join(root, 'a-')), 64 * 1024);
    const data = randomBytes(1024 * 1024);
    expect(await parts.append('up1', 0, chunks(data), Infinity)).toBe(data.length);
    // At most one per 64 KiB, and one at a time (how many depends on how fast the disk answers).
    expect(syncs.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(syncs.mock.calls.length).toBeLessThanOrEqual(16);
    const whole = await parts.whole('up1');
    expect(whole).toMatchObject({ size: data.length, sha256: sha256(data) });
    expect(readFileSync(whole.path).equals(data)).toBe(true);
  });

  it('writes nothing back without a setting (a part bound for a bucket)', async () => {
    const syncs = vi.spyOn(handleProto, 'datasync');
    const parts = new LocalParts(mkdtempSync(join(root, 'b-')));
    const data = randomBytes(256 * 1024);
    await parts.append('up1', 0, chunks(data), Infinity);
    expect(syncs).not.toHaveBeenCalled();
    expect((await parts.whole('up1')).sha256).toBe(sha256(data));
  });

  it('resumes a part cut off while write-backs ran, to the same bytes and hash', async () => {
    const parts = new LocalParts(mkdtempSync(join(root, 'c-')), 16 * 1024);
    const data = randomBytes(512 * 1024);
    await expect(parts.append('up1', 0, chunks(data, 200 * 1024), Infinity)).rejects.toThrow(
      'connection cut',
    );
    // What reached the file before the cut (a write still queued then is dropped with the stream).
    const held = await parts.size('up1');
    expect(held).toBeLessThanOrEqual(200 * 1024);
    expect(await parts.append('up1', held, chunks(data.subarray(held)), Infinity)).toBe(data.length);
    expect(await parts.whole('up1')).toMatchObject({ size: data.length, sha256: sha256(data) });
  });
});
