import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsArtifactBlobs } from '../../src/storage/files/fs-artifact-blobs.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';

/**
 * The artifact sweep (at start and hourly) deletes bytes no artifact row names: what a crash
 * between storing and recording, or in the middle of a delete, left behind. On the filesystem
 * store, one stray file under blobs/ that is not of Kiln's key form (an NFS ".nfsXXXX" silly-rename
 * file, which NFS makes when a file still open for a download is deleted, on the shared directory
 * docs/configuration.md recommends for several servers; a Thumbs.db; a backup tool's file) must not
 * stop the sweep: the orphans beside it must still go.
 */

const LONG_AGO = new Date('2020-01-01T00:00:00Z');

async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

describe('filesystem artifact sweep with a stray file', () => {
  let dir: string;
  let blobs: FsArtifactBlobs;
  let kiln: TestKiln;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-probe-artifacts-'));
    blobs = new FsArtifactBlobs(dir);
    kiln = await createTestKiln({ artifactBlobs: blobs });
  });
  afterAll(async () => {
    await kiln?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes an orphan (bytes no row names) although stray files sit beside it and its directory', async () => {
    // An orphan: stored, never recorded (a crash), an hour and more ago.
    const orphan = randomBytes(16).toString('hex');
    await blobs.appendPart('up.1', 0, bytes('orphaned bytes'), 14);
    await blobs.commitPart('up.1', orphan);
    const orphanPath = join(dir, 'blobs', orphan.slice(0, 2), orphan);
    utimesSync(orphanPath, LONG_AGO, LONG_AGO);
    // A stray file in the same fan directory, as NFS leaves one.
    const stray = join(dir, 'blobs', orphan.slice(0, 2), '.nfs000000000012345600000001');
    mkdirSync(join(stray, '..'), { recursive: true });
    writeFileSync(stray, 'held open by a reader on another server');
    utimesSync(stray, LONG_AGO, LONG_AGO);
    // And files where the fan directories are (a desktop's, a backup's).
    writeFileSync(join(dir, 'blobs', '.DS_Store'), 'x');
    writeFileSync(join(dir, 'blobs', 'ab'), 'a file named like a fan directory');

    let error: unknown;
    const result = await kiln.engine.artifacts.sweep().catch((e: unknown) => {
      error = e;
      return undefined;
    });
    expect(String(error ?? 'no error')).toBe('no error');
    expect(result?.orphans).toBe(1);
    expect(existsSync(orphanPath)).toBe(false);
    expect(existsSync(stray)).toBe(true);
  });
});
