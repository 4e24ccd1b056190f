import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../../src/domain/artifact.ts';
import { newId32 } from '../../../src/domain/ids.ts';
import type { JobRecord, Storage } from '../../../src/storage/ports.ts';
import { sampleBuild } from './store-contract.ts';

/**
 * The artifact rows of the store contract: one per (build, name), a replacement hands back the
 * bytes it replaced, sizes past 4 GiB survive, retention reads builds newest first.
 */
export function artifactContract(storage: () => Storage, newJob: () => Promise<JobRecord>): void {
  const now = 1_700_000_000_000;
  const artifact = (
    recordId: string,
    jobId: string,
    buildNumber: number,
    name: string,
    size = 10,
  ): Artifact => ({
    id: newId32(),
    recordId,
    jobId,
    buildNumber,
    name,
    version: String(buildNumber),
    size,
    sha256: 'a'.repeat(64),
    contentType: 'application/octet-stream',
    createdAt: now,
  });

  describe('artifacts', () => {
    it('keeps one artifact per build and name; a replacement returns the id it replaced', async () => {
      const s = storage();
      const job = await newJob();
      const build = sampleBuild(job.id, 1, now);
      await s.builds.insert(build);
      const first = artifact(build.recordId, job.id, 1, 'app.jar', 6 * 1024 ** 3);
      expect(await s.artifacts.put(first)).toBeUndefined();
      const second = artifact(build.recordId, job.id, 1, 'app.jar', 7);
      expect(await s.artifacts.put(second)).toBe(first.id);
      await s.artifacts.put(artifact(build.recordId, job.id, 1, 'b.txt'));
      expect((await s.artifacts.listByBuild(build.recordId)).map((a) => [a.name, a.size])).toEqual([
        ['app.jar', 7],
        ['b.txt', 10],
      ]);
      expect(await s.artifacts.find(build.recordId, 'app.jar')).toEqual(second);
      expect(await s.artifacts.find(build.recordId, 'none')).toBeUndefined();
      const big = artifact(build.recordId, job.id, 1, 'big.iso', 6 * 1024 ** 3);
      await s.artifacts.put(big);
      expect((await s.artifacts.find(build.recordId, 'big.iso'))?.size).toBe(6 * 1024 ** 3);
      expect(await s.artifacts.known([first.id, second.id, big.id, newId32()])).toEqual(
        new Set([second.id, big.id]),
      );
    });

    it('lists builds with artifacts newest first, and forgets a set of builds', async () => {
      const s = storage();
      const job = await newJob();
      const builds = [1, 2, 3].map((n) =>
        sampleBuild(job.id, n, now + n, { state: n === 2 ? 'FAILURE' : 'SUCCESS' }),
      );
      for (const b of builds) await s.builds.insert(b);
      for (const b of builds.slice(0, 2)) await s.artifacts.put(artifact(b.recordId, job.id, b.number, 'x'));
      expect(await s.artifacts.buildsWithArtifacts(job.id)).toEqual([
        { recordId: builds[1]!.recordId, number: 2, state: 'FAILURE', finishedAt: now + 2 + 1000 },
        { recordId: builds[0]!.recordId, number: 1, state: 'SUCCESS', finishedAt: now + 1 + 1000 },
      ]);
      expect(await s.artifacts.jobsWithArtifacts()).toContain(job.id);
      const gone = await s.transaction((tx) => tx.artifacts.deleteByBuilds([builds[0]!.recordId]));
      expect(gone).toHaveLength(1);
      expect(await s.artifacts.listByBuild(builds[0]!.recordId)).toEqual([]);
      expect(await s.artifacts.listByBuild(builds[1]!.recordId)).toHaveLength(1);
    });
  });
}
