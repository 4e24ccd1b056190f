import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.ts';
import type { ByteRange } from '../../domain/artifact.ts';
import type { ArtifactBlobStore } from '../ports.ts';
import { entries, isStorageName, LocalParts, safeStorageName } from './local-parts.ts';

/**
 * Parts go to disk every 32 MiB as they arrive, so that the fsync of a commit waits for their last
 * bytes only (`npm run bench:artifacts`: an upload of 1 GiB waited 0.6-1.4 s for it).
 */
const WRITE_BACK_BYTES = 32 * 1024 * 1024;

/**
 * Artifact bytes on the local filesystem (the default: nothing to install): unfinished uploads in
 * `parts/`, blobs in `blobs/<first two characters of the key>/<key>`, under the data directory.
 * A blob is on disk (fsync) before its row is written. One server only, or a directory every
 * server mounts at the same path.
 */
export class FsArtifactBlobs implements ArtifactBlobStore {
  private readonly parts: LocalParts;
  private readonly blobs: string;

  constructor(root: string) {
    this.parts = new LocalParts(join(root, 'parts'), WRITE_BACK_BYTES);
    this.blobs = join(root, 'blobs');
  }

  private blobPath(key: string): string {
    return join(this.blobs, safeStorageName(key).slice(0, 2), key);
  }

  partSize(uploadId: string): Promise<number> {
    return this.parts.size(uploadId);
  }

  appendPart(
    uploadId: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    limit: number,
    signal?: AbortSignal,
  ): Promise<number> {
    return this.parts.append(uploadId, offset, body, limit, signal);
  }

  async commitPart(uploadId: string, key: string): Promise<{ size: number; sha256: string }> {
    const target = this.blobPath(key);
    const { path, size, sha256 } = await this.parts.whole(uploadId);
    const file = await open(path, 'r');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await mkdir(join(target, '..'), { recursive: true, mode: 0o700 });
    await rename(path, target);
    return { size, sha256 };
  }

  discardPart(uploadId: string): Promise<void> {
    return this.parts.discard(uploadId);
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    let file;
    try {
      file = await open(this.blobPath(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new AppError('NOT_FOUND', "the artifact's bytes are gone from the store");
      throw error;
    }
    // Opened now: a delete from here on does not take the bytes from under the reader.
    return file.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async blobSize(key: string): Promise<number | undefined> {
    const info = await stat(this.blobPath(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    return info?.size;
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.blobPath(key), { force: true });
  }

  async *listBlobs(): AsyncIterable<{ key: string; storedAt: number }> {
    for (const fan of await entries(this.blobs)) {
      // Kiln's fan directories only: a file or folder of someone else's beside them is not read.
      if (!/^[0-9a-z]{2}$/.test(fan)) continue;
      const dir = await stat(join(this.blobs, fan)).catch(() => undefined);
      if (!dir?.isDirectory()) continue;
      for (const key of await entries(join(this.blobs, fan))) {
        if (!isStorageName(key)) continue;
        const info = await stat(join(this.blobs, fan, key)).catch(() => undefined);
        if (info?.isFile()) yield { key, storedAt: info.mtimeMs };
      }
    }
  }

  discardParts(prefix: string): Promise<number> {
    return this.parts.discardPrefixed(prefix);
  }

  dropStaleParts(before: number): Promise<number> {
    return this.parts.dropStale(before);
  }
}
