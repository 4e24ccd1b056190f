import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsArtifactBlobs } from '../../src/storage/files/fs-artifact-blobs.ts';
import { TestRepo } from '../helpers/git.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * A full disk under the artifact store (by default the data directory's, which the database
 * shares): the upload fails its step at once, saying so, and what it had written goes, so the
 * database can still record the build's end; the server goes on. A real full disk: a tmpfs of
 * 8 MiB (mounting needs root, as the runner's sandbox does; the suites run as root).
 */

const UPLOAD = 'devcloud2018.codeci_action_20018.action';
const root = process.getuid?.() === 0;

describe.runIf(root)('an artifact store whose disk is full', () => {
  const store = mkdtempSync(join(tmpdir(), 'kiln-full-store-'));
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', store]);
    ek = await startEngineKiln({ runner: { slots: 1 }, artifactBlobs: new FsArtifactBlobs(store) });
    repo = new TestRepo();
    repo.commit('first');
  });
  afterAll(async () => {
    await ek?.close();
    execFileSync('umount', [store]);
    rmSync(store, { recursive: true, force: true });
  });

  const free = () => {
    const s = statfsSync(store);
    return s.bavail * s.bsize;
  };

  it('fails the upload saying so, frees what it wrote, and keeps a file that fits after it', async () => {
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [
        shell('make', 'head -c 12000000 /dev/urandom > big.bin; head -c 1000 /dev/urandom > small.bin'),
        { module_id: UPLOAD, name: 'big', properties: { file: 'big.bin' } },
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 60_000);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(log).toContain(
      "the server's artifact store is full (no space left on its disk): nothing of big.bin was kept",
    );
    expect(free()).toBeGreaterThan(7 * 1024 * 1024);
    expect(readdirSync(join(store, 'parts')).length).toBe(0);

    const small = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [
        shell('make', 'head -c 1000 /dev/urandom > small.bin'),
        { module_id: UPLOAD, name: 'small', properties: { file: 'small.bin' } },
      ],
    });
    await ek.run(small);
    expect((await ek.waitFinished(small, 1, 60_000)).state, await ek.log(small, 1)).toBe('SUCCESS');
  });
});
