import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId32 } from '../../../src/domain/ids.ts';
import type { Storage } from '../../../src/storage/ports.ts';
import { sampleBuild, type StoreContractOptions } from './store-contract.ts';

/**
 * BuildFlows under build retention (run by runStoreContract for every adapter): a flow goes
 * whole or not at all, its jobs' builds never alone, and a running flow keeps all of them; a job
 * whose build is gone anyway shows as missing, not as a job the flow never had.
 */
export function runFlowRetentionContract(options: StoreContractOptions): void {
  describe(`flow retention contract: ${options.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    const now = 1_700_000_000_000;
    const userId = newId32();
    const domainId = newId32();

    beforeAll(async () => {
      ({ storage, cleanup } = await options.createStorage());
      await storage.domains.insert({ id: domainId, name: `d-${domainId}`, createdAt: now });
      await storage.users.insert(
        {
          id: userId,
          domainId,
          name: 'flow',
          displayName: 'Flow',
          isAdmin: false,
          disabled: false,
          createdAt: now,
        },
        'hash',
      );
    });
    afterAll(() => cleanup());

    /** A job with builds #1..#7: #2 a finished flow of #3 and #4, #5 a running flow of #6. */
    async function flowHistory() {
      const projectId = newId32();
      await storage.projects.insert({
        id: projectId,
        domainId,
        name: `p-${projectId.slice(0, 8)}`,
        description: '',
        creatorId: userId,
        createdAt: now,
      });
      const jobId = newId32();
      await storage.jobs.insert({
        id: jobId,
        projectId,
        name: 'flows',
        creatorId: userId,
        config: '{}',
        disabled: false,
        disabledReason: '',
        webhookSecretEnc: 'x',
        lastBuildNumber: 7,
        createdAt: now,
        updatedAt: now,
        recordsVersion: 0,
      });
      const b = [1, 2, 3, 4, 5, 6, 7].map((n) =>
        sampleBuild(jobId, n, now + n, {
          state: 'FAILURE',
          ...(n === 5 && { runningStatus: 'Running', state: '', finishedAt: null }),
        }),
      );
      await storage.builds.insertMany(b);
      const job = (childId: string, position: number) => ({
        childId,
        position,
        name: `j${position}`,
        dependsOn: [],
        buildRef: 'j.yml',
        started: true,
      });
      await storage.flows.create(b[1]!.recordId, 'eager', [job(b[2]!.recordId, 0), job(b[3]!.recordId, 1)]);
      await storage.flows.create(b[4]!.recordId, 'eager', [job(b[5]!.recordId, 0)]);
      return { jobId, ids: b.map((x) => x.recordId) };
    }

    it("lets a finished flow go with all its jobs' builds, and nothing of a running flow", async () => {
      const { jobId, ids } = await flowHistory();
      const expired = async (keepLast: number) =>
        new Set(await storage.builds.expiredIds(jobId, { keepLast }, 50));
      const [b1, b2, b3, b4] = ids;
      // #6 is finished and below the newest one, but its flow (#5) still runs.
      expect(await expired(1)).toEqual(new Set([b1, b2, b3, b4]));
      // #4 is among the newest four: its flow stays whole.
      expect(await expired(4)).toEqual(new Set([b1]));
    });

    it("names the flow of a job's build that kept artifacts, and whether the flow ended", async () => {
      const { jobId, ids } = await flowHistory();
      for (const i of [0, 2, 5])
        await storage.artifacts.put({
          id: newId32(),
          recordId: ids[i]!,
          jobId,
          buildNumber: i + 1,
          name: 'out.txt',
          version: '1',
          size: 1,
          sha256: '0'.repeat(64),
          contentType: 'text/plain',
          createdAt: now,
        });
      const listed = await storage.artifacts.buildsWithArtifacts(jobId);
      // #6 is a job of the running flow #5, #3 of the finished flow #2; #1 of none.
      expect(
        listed.map((b) => [b.number, b.flow && { ...b.flow, ended: b.flow.finishedAt !== null }]),
      ).toEqual([
        [6, { recordId: ids[4], finishedAt: null, ended: false }],
        [3, { recordId: ids[1], finishedAt: expect.any(Number), ended: true }],
        [1, undefined],
      ]);
    });

    it('reports a job of a flow whose build is gone as missing', async () => {
      const { ids } = await flowHistory();
      await storage.builds.deleteMany([ids[5]!]);
      const progress = await storage.flows.progress(ids[4]!);
      expect(progress).toHaveLength(1);
      expect(progress![0]).toMatchObject({ position: 0, missing: true, runningStatus: 'Finished' });
    });
  });
}
