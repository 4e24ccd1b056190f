import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/domain/errors.ts';
import { ArtifactTooLargeError } from '../../../src/storage/errors.ts';
import type { ArtifactBlobStore } from '../../../src/storage/ports.ts';

/** One store of a test, on storage of its own, and a second instance on the same (a restart). */
export interface BlobStoreUnderTest {
  blobs: ArtifactBlobStore;
  /** The directory of unfinished uploads. */
  partsDir: string;
  reopen(): ArtifactBlobStore;
}

/**
 * The behaviour every ArtifactBlobStore adapter must have (the filesystem and S3-compatible object
 * storage), run by each adapter's test against the real thing.
 */
export interface BlobStoreContractOptions {
  name: string;
  /** Starts what the adapter needs (a server); returns how to make stores and how to stop it. */
  setup(): Promise<{ make(): BlobStoreUnderTest; teardown(): Promise<void> }>;
}

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;
const MiB = 1024 * 1024;

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

async function* bytes(...parts: (string | Buffer)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

async function all(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts);
}

const text = async (stream: NodeJS.ReadableStream) => (await all(stream)).toString('utf8');

async function keys(blobs: ArtifactBlobStore): Promise<string[]> {
  const listed: string[] = [];
  for await (const b of blobs.listBlobs()) listed.push(b.key);
  return listed.sort();
}

/** Registers the contract suite for one adapter. */
export function runBlobStoreContract(options: BlobStoreContractOptions): void {
  describe(`artifact blob store contract: ${options.name}`, () => {
    let make: () => BlobStoreUnderTest;
    let teardown: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ make, teardown } = await options.setup());
    });
    afterAll(() => teardown?.());

    it('appends parts where they end, commits them with their sha256, serves ranges, deletes', async () => {
      const { blobs } = make();
      expect(await blobs.partSize('u1')).toBe(0);
      expect(await blobs.appendPart('u1', 0, bytes('hello '), 100)).toBe(6);
      await expect(blobs.appendPart('u1', 0, bytes('again'), 100)).rejects.toThrow('holds 6 bytes, not 0');
      expect(await blobs.appendPart('u1', 6, bytes('wor', 'ld'), 100)).toBe(11);
      expect(await blobs.partSize('u1')).toBe(11);
      const stored = await blobs.commitPart('u1', 'key1');
      expect(stored).toEqual({ size: 11, sha256: sha256('hello world') });
      expect(await blobs.partSize('u1')).toBe(0);
      expect(await text(await blobs.read('key1'))).toBe('hello world');
      expect(await text(await blobs.read('key1', { start: 6, end: 10 }))).toBe('world');
      expect(await text(await blobs.read('key1', { start: 4, end: 4 }))).toBe('o');
      expect(await text(await blobs.read('key1', { start: 0, end: 4 }))).toBe('hello');
      expect(await keys(blobs)).toEqual(['key1']);
      expect(await blobs.blobSize('key1')).toBe(11);
      expect(await blobs.blobSize('never-there')).toBeUndefined();
      await blobs.delete(['key1', 'never-there']);
      await blobs.delete([]);
      await expect(blobs.read('key1')).rejects.toThrow('gone');
      expect(await keys(blobs)).toEqual([]);
    });

    it('answers NOT_FOUND for a key it does not hold', async () => {
      const { blobs } = make();
      const error = await blobs.read('absent', { start: 0, end: 9 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('NOT_FOUND');
      await expect(blobs.commitPart('no-such-upload', 'k')).rejects.toThrow('no upload no-such-upload');
    });

    it('hashes a part resumed by a new instance from its start', async () => {
      const { blobs, reopen } = make();
      await blobs.appendPart('u2', 0, bytes('first half '), 100);
      const restarted = reopen();
      expect(await restarted.partSize('u2')).toBe(11);
      await restarted.appendPart('u2', 11, bytes('second half'), 100);
      const stored = await restarted.commitPart('u2', 'key2');
      expect(stored.sha256).toBe(sha256('first half second half'));
      expect(await text(await blobs.read('key2'))).toBe('first half second half');
    });

    it('keeps an empty upload as an empty blob', async () => {
      const { blobs } = make();
      expect(await blobs.appendPart('u0', 0, bytes(), 10)).toBe(0);
      expect(await blobs.commitPart('u0', 'empty')).toEqual({ size: 0, sha256: sha256('') });
      expect(await text(await blobs.read('empty'))).toBe('');
    });

    it('stops a part at its limit, and drops stale parts', async () => {
      const { blobs, partsDir } = make();
      await expect(blobs.appendPart('u3', 0, bytes('12345', '67890'), 7)).rejects.toBeInstanceOf(
        ArtifactTooLargeError,
      );
      await blobs.discardPart('u3');
      await blobs.discardPart('never-started');
      expect(await blobs.partSize('u3')).toBe(0);
      await blobs.appendPart('old', 0, bytes('x'), 10);
      await blobs.appendPart('new', 0, bytes('y'), 10);
      const old = new Date(NOW - 2 * DAY);
      utimesSync(join(partsDir, 'old'), old, old);
      expect(await blobs.dropStaleParts(NOW - DAY)).toBe(1);
      expect(readdirSync(partsDir)).toEqual(['new']);
    });

    it("discards the unfinished uploads of one prefix (an ended build's), and no other", async () => {
      const { blobs, partsDir } = make();
      await blobs.appendPart('rec1.aa', 0, bytes('x'), 10);
      await blobs.appendPart('rec1.bb', 0, bytes('y'), 10);
      await blobs.appendPart('rec10.aa', 0, bytes('z'), 10);
      expect(await blobs.discardParts('rec1.')).toBe(2);
      expect(readdirSync(partsDir)).toEqual(['rec10.aa']);
      expect(await blobs.discardParts('rec1.')).toBe(0);
    });

    it('stops an append when its signal aborts, even while its body sends nothing; what it wrote stays', async () => {
      const { blobs } = make();
      // A connection that went quiet: the first bytes, then nothing (a newer attempt replaces it).
      const silent = new PassThrough();
      silent.write('first bytes');
      const abort = new AbortController();
      const appending = blobs.appendPart('quiet', 0, silent, 100, abort.signal);
      for (let tries = 0; tries < 250 && (await blobs.partSize('quiet')) < 11; tries++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await blobs.partSize('quiet')).toBe(11);
      abort.abort();
      await expect(appending).rejects.toMatchObject({ name: 'AbortError' });
      expect(silent.destroyed).toBe(true);
      // The next attempt goes on where the part ends.
      expect(await blobs.appendPart('quiet', 11, bytes(' and the rest'), 100)).toBe(24);
      expect(await blobs.commitPart('quiet', 'resumed')).toEqual({
        size: 24,
        sha256: sha256('first bytes and the rest'),
      });
    });

    it('refuses keys that are not its own', async () => {
      const { blobs } = make();
      await expect(blobs.read('../../etc/passwd')).rejects.toThrow('not a storage key');
      await expect(blobs.partSize('.hidden')).rejects.toThrow('not a storage key');
      await blobs.appendPart('u4', 0, bytes('x'), 10);
      await expect(blobs.commitPart('u4', 'a/b')).rejects.toThrow('not a storage key');
      await expect(blobs.delete(['A'])).rejects.toThrow('not a storage key');
    });

    it('lists every blob with when it was stored, past one page', async () => {
      const { blobs } = make();
      const before = Date.now() - 5_000;
      const names = ['b1', 'b2', 'b3', 'b4', 'b5'];
      for (const name of names) {
        await blobs.appendPart(`u-${name}`, 0, bytes(name), 10);
        await blobs.commitPart(`u-${name}`, name);
      }
      const listed = [];
      for await (const b of blobs.listBlobs()) listed.push(b);
      expect(listed.map((b) => b.key).sort()).toEqual(names);
      for (const b of listed) expect(b.storedAt).toBeGreaterThan(before);
      for (const b of listed) expect(b.storedAt).toBeLessThan(Date.now() + 5_000);
      await blobs.delete(['b2', 'b4']);
      expect(await keys(blobs)).toEqual(['b1', 'b3', 'b5']);
    });

    it('keeps a 20 MB upload sent in two appends whole, and serves ranges across its parts', async () => {
      const { blobs } = make();
      const source = randomBytes(20 * MiB);
      const chunks = (from: number, to: number) =>
        bytes(
          ...Array.from({ length: (to - from) / MiB }, (_, i) =>
            source.subarray(from + i * MiB, from + (i + 1) * MiB),
          ),
        );
      expect(await blobs.appendPart('big', 0, chunks(0, 12 * MiB), 20 * MiB)).toBe(12 * MiB);
      expect(await blobs.appendPart('big', 12 * MiB, chunks(12 * MiB, 20 * MiB), 20 * MiB)).toBe(20 * MiB);
      expect(await blobs.commitPart('big', 'bigkey')).toEqual({ size: 20 * MiB, sha256: sha256(source) });
      expect(await blobs.partSize('big')).toBe(0);
      const whole = createHash('sha256');
      let size = 0;
      for await (const chunk of await blobs.read('bigkey')) {
        whole.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      expect([size, whole.digest('hex')]).toEqual([20 * MiB, sha256(source)]);
      const across = { start: 8 * MiB - 10, end: 16 * MiB + 9 };
      expect(
        (await all(await blobs.read('bigkey', across))).equals(source.subarray(across.start, across.end + 1)),
      ).toBe(true);
      const tail = await all(await blobs.read('bigkey', { start: 20 * MiB - 3, end: 20 * MiB - 1 }));
      expect(tail.equals(source.subarray(20 * MiB - 3))).toBe(true);
    }, 60_000);
  });
}
