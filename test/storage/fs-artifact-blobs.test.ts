import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactBlobs } from '../../src/storage/files/fs-artifact-blobs.ts';
import { runBlobStoreContract } from './contract/artifact-blobs-contract.ts';

runBlobStoreContract({
  name: 'filesystem',
  async setup() {
    const root = mkdtempSync(join(tmpdir(), 'kiln-blobs-'));
    return {
      make() {
        const dir = mkdtempSync(join(root, 'store-'));
        return {
          blobs: new FsArtifactBlobs(dir),
          partsDir: join(dir, 'parts'),
          reopen: () => new FsArtifactBlobs(dir),
        };
      },
      async teardown() {
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
});
