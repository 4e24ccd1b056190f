import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactTooLargeError } from '../errors.ts';

/** Keys and upload ids are Kiln's own; anything else is refused before it reaches a path or a bucket. */
const SAFE = /^[0-9a-z.-]{1,128}$/;

/** `name`, when it is a storage key or upload id Kiln could have made; throws otherwise. */
export function safeStorageName(name: string): string {
  if (!isStorageName(name)) throw new Error(`not a storage key: ${name}`);
  return name;
}

/** True when `name` is a storage key or upload id Kiln could have made. */
export function isStorageName(name: string): boolean {
  return SAFE.test(name) && !name.startsWith('.');
}

/** A finished upload on disk, ready to become a blob. */
export interface WholePart {
  path: string;
  size: number;
  sha256: string;
}

/**
 * Unfinished artifact uploads ("parts") as files of one local directory, whatever keeps the blobs
 * (the filesystem or a bucket): a runner resumes a part on the server that holds it. A part is
 * hashed as it arrives; one resumed after a restart (or written by another instance) is hashed
 * again from its start.
 */
export class LocalParts {
  /** The running hash of each part this instance wrote from its start, with the bytes it covers. */
  private readonly hashing = new Map<string, { hash: Hash; size: number }>();

  constructor(
    private readonly dir: string,
    /**
     * When set, a part goes to disk as it arrives, every this many bytes, for a store that fsyncs
     * it when committed: without it a GiB stays in the page cache until that fsync (the kernel
     * writes back on its own only past a tenth of the RAM or after 30 s), and the upload then
     * waits for the whole write at its end.
     */
    private readonly writeBackEvery?: number,
  ) {}

  /** The file of an upload. */
  path(uploadId: string): string {
    return join(this.dir, safeStorageName(uploadId));
  }

  async size(uploadId: string): Promise<number> {
    return (await sizeOf(this.path(uploadId))) ?? 0;
  }

  /** ArtifactBlobStore.appendPart. */
  async append(
    uploadId: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    limit: number,
    signal?: AbortSignal,
  ): Promise<number> {
    const path = this.path(uploadId);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const held = (await sizeOf(path)) ?? 0;
    if (held !== offset) throw new Error(`upload ${uploadId} holds ${held} bytes, not ${offset}`);
    let running = this.hashing.get(uploadId);
    if (!running || running.size !== offset) running = { hash: await hashFile(path, offset), size: offset };
    // Until this append ends well, the running hash may not match the file: forget it meanwhile.
    this.hashing.delete(uploadId);
    let size = offset;
    const { hash } = running;
    // Opened before the bytes flow and closed before this returns, so that a discard after a
    // refused append cannot race a late open that would make the file again.
    const file = await open(path, 'a', 0o600);
    // Every `writeBackEvery` bytes, those written so far are sent to disk in the background (one
    // fdatasync at a time, on libuv's pool) while the next arrive.
    let synced = offset;
    let syncing: Promise<void> | undefined;
    const every = this.writeBackEvery ?? Infinity;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > limit) return done(new ArtifactTooLargeError(limit));
        hash.update(chunk);
        if (!syncing && size - synced >= every) {
          synced = size;
          syncing = file.datasync().then(
            () => (syncing = undefined),
            () => (syncing = undefined),
          );
        }
        done(null, chunk);
      },
    });
    try {
      // A request body is a stream: pipeline pipes it, where an async iteration between would
      // cost a promise per network chunk (a GiB arrives in some 65,000).
      await pipeline(body, count, file.createWriteStream(), { signal });
    } finally {
      await syncing;
      await file.close().catch(() => {});
    }
    this.hashing.set(uploadId, { hash, size });
    return size;
  }

  /**
   * The whole upload, with its size and sha256, for the caller to move or copy; the file stays
   * until the caller moves it or calls `discard`.
   */
  async whole(uploadId: string): Promise<WholePart> {
    const path = this.path(uploadId);
    const size = await sizeOf(path);
    if (size === undefined) throw new Error(`no upload ${uploadId}`);
    const running = this.hashing.get(uploadId);
    const hash = running && running.size === size ? running.hash : await hashFile(path, size);
    this.hashing.delete(uploadId);
    return { path, size, sha256: hash.digest('hex') };
  }

  async discard(uploadId: string): Promise<void> {
    this.hashing.delete(uploadId);
    await rm(this.path(uploadId), { force: true });
  }

  /** ArtifactBlobStore.discardParts. */
  async discardPrefixed(prefix: string): Promise<number> {
    const ids = (await entries(this.dir)).filter((id) => id.startsWith(prefix) && isStorageName(id));
    for (const id of ids) await this.discard(id);
    return ids.length;
  }

  /** ArtifactBlobStore.dropStaleParts. */
  async dropStale(before: number): Promise<number> {
    let dropped = 0;
    for (const id of await entries(this.dir)) {
      if (!isStorageName(id)) continue;
      const info = await stat(join(this.dir, id)).catch(() => undefined);
      if (info && info.mtimeMs < before) {
        await this.discard(id);
        dropped++;
      }
    }
    return dropped;
  }
}

/** The file's size, or undefined when there is none. */
export async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The directory's entries ([] when there is no directory). */
export async function entries(dir: string): Promise<string[]> {
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
