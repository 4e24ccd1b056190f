import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../domain/errors.ts';
import { ArtifactTooLargeError } from '../errors.ts';
import type { ByteRange } from '../../domain/artifact.ts';
import type { ArtifactBlobStore } from '../ports.ts';

/** Keys and upload ids are Kiln's own; anything else is refused before it reaches a path. */
const SAFE = /^[0-9a-z.-]{1,128}$/;

function safe(name: string): string {
  if (!SAFE.test(name) || name.startsWith('.')) throw new Error(`not a storage key: ${name}`);
  return name;
}

/**
 * Artifact bytes on the local filesystem (the default: nothing to install): unfinished uploads in
 * `parts/`, blobs in `blobs/<first two characters of the key>/<key>`, under the data directory. An
 * upload is hashed as it arrives; a part resumed after a restart is hashed again from its start.
 * A blob is on disk (fsync) before its row is written. One server only, or a directory every
 * server mounts at the same path.
 */
export class FsArtifactBlobs implements ArtifactBlobStore {
  private readonly parts: string;
  private readonly blobs: string;
  /** The running hash of each upload this process wrote from its start, with the bytes it covers. */
  private readonly hashing = new Map<string, { hash: Hash; size: number }>();

  constructor(root: string) {
    this.parts = join(root, 'parts');
    this.blobs = join(root, 'blobs');
  }

  private partPath(uploadId: string): string {
    return join(this.parts, safe(uploadId));
  }

  private blobPath(key: string): string {
    return join(this.blobs, safe(key).slice(0, 2), key);
  }

  async partSize(uploadId: string): Promise<number> {
    return (await sizeOf(this.partPath(uploadId))) ?? 0;
  }

  async appendPart(
    uploadId: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    limit: number,
  ): Promise<number> {
    const path = this.partPath(uploadId);
    await mkdir(this.parts, { recursive: true, mode: 0o700 });
    const held = (await sizeOf(path)) ?? 0;
    if (held !== offset) throw new Error(`upload ${uploadId} holds ${held} bytes, not ${offset}`);
    let running = this.hashing.get(uploadId);
    if (!running || running.size !== offset) running = { hash: await hashFile(path, offset), size: offset };
    // Until this append ends well, the running hash may not match the file: forget it meanwhile.
    this.hashing.delete(uploadId);
    let size = offset;
    const { hash } = running;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > limit) return done(new ArtifactTooLargeError(limit));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(body, count, createWriteStream(path, { flags: 'a', mode: 0o600 }));
    this.hashing.set(uploadId, { hash, size });
    return size;
  }

  async commitPart(uploadId: string, key: string): Promise<{ size: number; sha256: string }> {
    const path = this.partPath(uploadId);
    const size = await sizeOf(path);
    if (size === undefined) throw new Error(`no upload ${uploadId}`);
    const running = this.hashing.get(uploadId);
    const hash = running && running.size === size ? running.hash : await hashFile(path, size);
    this.hashing.delete(uploadId);
    const file = await open(path, 'r');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    const target = this.blobPath(key);
    await mkdir(join(target, '..'), { recursive: true, mode: 0o700 });
    await rename(path, target);
    return { size, sha256: hash.digest('hex') };
  }

  async discardPart(uploadId: string): Promise<void> {
    this.hashing.delete(uploadId);
    await rm(this.partPath(uploadId), { force: true });
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const path = this.blobPath(key);
    if ((await sizeOf(path)) === undefined)
      throw new AppError('NOT_FOUND', "the artifact's bytes are gone from the store");
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.blobPath(key), { force: true });
  }

  async *listBlobs(): AsyncIterable<{ key: string; storedAt: number }> {
    for (const fan of await entries(this.blobs)) {
      for (const key of await entries(join(this.blobs, fan))) {
        const info = await stat(join(this.blobs, fan, key)).catch(() => undefined);
        if (info) yield { key, storedAt: info.mtimeMs };
      }
    }
  }

  async dropStaleParts(before: number): Promise<number> {
    let dropped = 0;
    for (const id of await entries(this.parts)) {
      const info = await stat(join(this.parts, id)).catch(() => undefined);
      if (info && info.mtimeMs < before) {
        await this.discardPart(id);
        dropped++;
      }
    }
    return dropped;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A hash of the file's first `size` bytes. */
async function hashFile(path: string, size: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (size > 0)
    for await (const chunk of createReadStream(path, { end: size - 1 })) hash.update(chunk as Buffer);
  return hash;
}
