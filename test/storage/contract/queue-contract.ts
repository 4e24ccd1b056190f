import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Build } from '../../../src/domain/build.ts';
import { newId32, newRecordId } from '../../../src/domain/ids.ts';
import type { RunnerPlace } from '../../../src/domain/resource-match.ts';
import type { Storage } from '../../../src/storage/ports.ts';

/**
 * The queue's part of the store contract (run by runStoreContract for every adapter): the claim
 * takes turns between projects, so one project's backlog cannot starve another's builds.
 */
export function runQueueContract(options: {
  name: string;
  createStorage(): Promise<{ storage: Storage; cleanup(): Promise<void> }>;
}): void {
  describe(`queue contract: ${options.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    const now = 1_700_000_000_000;
    const domainId = newId32();
    const userId = newId32();

    /** A fresh project with one job; returns the job id. */
    async function projectJob(): Promise<string> {
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
        name: 'job',
        creatorId: userId,
        config: '{}',
        disabled: false,
        disabledReason: '',
        webhookSecretEnc: 'x',
        lastBuildNumber: 0,
        createdAt: now,
        updatedAt: now,
        recordsVersion: 0,
      });
      return jobId;
    }

    /** Inserts a queued build of the job and puts it in the queue; returns a label for it. */
    const labels = new Map<string, string>();
    async function queue(jobId: string, label: string, needs?: RunnerPlace): Promise<void> {
      const number = labels.size + 1;
      const build: Build = {
        recordId: newRecordId(),
        jobId,
        number,
        dailyBuildNumber: `20240101.${number}`,
        startTime: now,
        runStartedAt: null,
        finishedAt: null,
        runningStatus: 'Starting',
        state: '',
        triggerType: 'Manual',
        userId,
        executor: 'alice',
        nickname: 'Alice',
        commitId: '',
        commitTime: null,
        commitMessage: '',
        buildType: 'branch',
        codeBranch: 'master',
        scmType: 'git',
        scmWebUrl: '',
        buildTime: null,
        costTime: null,
        parameters: [],
        requestedCommit: '',
      };
      labels.set(build.recordId, label);
      await storage.transaction(async (tx) => {
        await tx.builds.insert(build);
        await tx.queue.enqueue(build.recordId, jobId, now, needs);
      });
    }

    /** What the dispatch does: takes the next build and gives it to a runner, in one transaction. */
    async function claim(
      beforeCommit?: () => Promise<void>,
      place?: RunnerPlace,
    ): Promise<string | undefined> {
      return storage.transaction(async (tx) => {
        const head = await tx.queue.takeNext(place);
        if (head) expect(await tx.builds.claim(head.recordId, 'runner', now + 60_000, now)).toBe(true);
        await beforeCommit?.();
        return head && labels.get(head.recordId);
      });
    }

    const idOf = (label: string) => [...labels].find(([, l]) => l === label)?.[0] as string;

    async function finish(label: string): Promise<void> {
      await storage.builds.finish(idOf(label), {
        state: 'SUCCESS',
        finishedAt: now,
        buildTime: 1,
        costTime: 1,
      });
    }

    beforeAll(async () => {
      ({ storage, cleanup } = await options.createStorage());
      await storage.domains.insert({ id: domainId, name: `d-${domainId}`, createdAt: now });
      await storage.users.insert(
        {
          id: userId,
          domainId,
          name: 'alice',
          displayName: 'Alice',
          isAdmin: false,
          disabled: false,
          createdAt: now,
        },
        'hash',
      );
    });
    afterAll(async () => {
      await cleanup();
    });
    // Each story starts from an empty queue, whatever the one before it left.
    beforeEach(async () => {
      while (await storage.transaction((tx) => tx.queue.takeNext()));
      // Builds that need a place no claim above names.
      for (const recordId of labels.keys()) await storage.queue.remove(recordId);
    });

    it("with one runner slot, a project's single build runs next after the busy project's current one", async () => {
      const a = await projectJob();
      const b = await projectJob();
      for (let i = 1; i <= 5; i++) await queue(a, `A${i}`);
      expect(await claim()).toBe('A1');
      await queue(b, 'B1');
      await finish('A1');
      // Nothing runs at this claim: A was served last, so B's turn comes first.
      expect(await claim()).toBe('B1');
      await finish('B1');
      const rest: (string | undefined)[] = [];
      for (let i = 0; i < 5; i++) {
        const next = await claim();
        rest.push(next);
        if (next) await finish(next);
      }
      expect(rest).toEqual(['A2', 'A3', 'A4', 'A5', undefined]);
    });

    it('with several slots, the project with fewer builds running goes first, then turns, then age', async () => {
      const a = await projectJob();
      const b = await projectJob();
      const c = await projectJob();
      for (let i = 1; i <= 4; i++) await queue(a, `A${i}`);
      await queue(b, 'B1');
      await queue(b, 'B2');
      expect(await claim()).toBe('A1');
      expect(await claim()).toBe('B1');
      await queue(c, 'C1');
      // A and B run one each, C none.
      expect(await claim()).toBe('C1');
      // One each again: A's turn is the oldest.
      expect(await claim()).toBe('A2');
      expect(await claim()).toBe('B2');
      expect(await claim()).toBe('A3');
      expect(await claim()).toBe('A4');
      expect(await claim()).toBeUndefined();
    });

    it('concurrent claims take the heads of different projects', async () => {
      const a = await projectJob();
      const b = await projectJob();
      await queue(a, 'A1');
      await queue(a, 'A2');
      await queue(b, 'B1');
      // On PostgreSQL both transactions hold their claim until the other has taken one (SQLite
      // runs transactions one after the other, so there the second simply sees the first's claim).
      let arrived = 0;
      let release: () => void = () => {};
      const both = new Promise<void>((r) => (release = r));
      const barrier = async () => {
        if (storage.dialect !== 'postgres') return;
        if (++arrived === 2) release();
        await both;
      };
      const taken = await Promise.all([claim(barrier), claim(barrier)]);
      expect(taken.sort()).toEqual(['A1', 'B1']);
      expect(await claim()).toBe('A2');
    });

    it('puts a released build back at its place and removes a stopped one', async () => {
      const a = await projectJob();
      await queue(a, 'R1');
      await queue(a, 'R2');
      const head = await storage.transaction((tx) => tx.queue.takeNext());
      expect(head && labels.get(head.recordId)).toBe('R1');
      await storage.transaction((tx) => tx.queue.restore(head!.recordId, a, head!.seq, now));
      const second = [...labels].find(([, l]) => l === 'R2')?.[0] as string;
      expect(await storage.queue.remove(second)).toBe(true);
      expect(await storage.queue.remove(second)).toBe(false);
      expect(await claim()).toBe('R1');
      expect(await claim()).toBeUndefined();
    });

    it('hands a build that needs an arch or pool only to a runner there; a runner that says nothing takes none', async () => {
      const a = await projectJob();
      const b = await projectJob();
      await queue(a, 'A1', { pool: 'big' });
      await queue(a, 'A2');
      await queue(b, 'B1', { arch: 'arm64', pool: 'big' });
      await queue(b, 'B2', { arch: 'arm64' });
      // A's head for this runner is A2: A1 is passed over, not lent to project B.
      expect(await claim(undefined, { arch: 'x64', pool: 'default' })).toBe('A2');
      expect(await claim(undefined, { arch: 'x64', pool: 'default' })).toBeUndefined();
      expect(await claim()).toBeUndefined();
      expect(await claim(undefined, { arch: 'x64', pool: 'big' })).toBe('A1');
      expect(await claim(undefined, { arch: 'x64', pool: 'big' })).toBeUndefined();
      expect(await claim(undefined, { arch: 'arm64', pool: 'default' })).toBe('B2');
      expect(await claim(undefined, { arch: 'arm64', pool: 'big' })).toBe('B1');
      expect(await claim(undefined, { arch: 'arm64', pool: 'big' })).toBeUndefined();
    });

    it('lets the lease sweep end a build only while its runner holds it and its lease is still out', async () => {
      const a = await projectJob();
      await queue(a, 'L1');
      expect(await claim()).toBe('L1');
      const id = idOf('L1');
      const aborted = { state: 'ABORTED', finishedAt: now, buildTime: 0, costTime: 1 } as const;
      // The sweep read the lease (now + 60 s) as out; a renewal landed before it wrote.
      await storage.builds.renewLease(id, 'runner', now + 120_000);
      expect(await storage.builds.finish(id, aborted, 'runner', now + 60_001)).toBe(false);
      expect(await storage.builds.finish(id, aborted, 'another', now + 120_001)).toBe(false);
      expect((await storage.builds.findRun(id))?.build.runningStatus).toBe('Starting');
      expect(await storage.builds.finish(id, aborted, 'runner', now + 120_001)).toBe(true);
      expect((await storage.builds.findRun(id))?.build.state).toBe('ABORTED');
    });

    it('keeps the place a claim took off the queue and gives it back when the claim is taken back', async () => {
      const a = await projectJob();
      await queue(a, 'P1', { pool: 'gpu' });
      const id = idOf('P1');
      const head = await storage.transaction(async (tx) => {
        const taken = await tx.queue.takeNext({ arch: 'x64', pool: 'gpu' });
        expect(taken).toMatchObject({ recordId: id, needs: { pool: 'gpu' } });
        expect(await tx.builds.claim(id, 'runner', now + 60_000, now, taken)).toBe(true);
        return taken!;
      });
      const place = { seq: head.seq, needs: { pool: 'gpu' } };
      // Only the holder, only before the start; the sweep only once the lease is out, and it counts.
      expect(await storage.builds.unclaim(id, 'another')).toBeUndefined();
      expect(await storage.builds.unclaim(id, 'runner', { expiredBefore: now + 60_000 })).toBeUndefined();
      expect(await storage.builds.unclaim(id, 'runner', { expiredBefore: now + 60_001 })).toEqual({
        place,
        lostClaims: 1,
        cancelRequested: false,
      });
      expect(await storage.builds.unclaim(id, 'runner')).toBeUndefined();
      // A stop asked while the build was claimed comes back with the claim.
      expect(await storage.builds.claim(id, 'runner', now + 60_000, now, head)).toBe(true);
      expect(await storage.builds.requestCancel(id)).toBe(true);
      expect(await storage.builds.unclaim(id, 'runner')).toEqual({
        place,
        lostClaims: 1,
        cancelRequested: true,
      });
      // A claim lost to a server's stop counts, whatever its lease says.
      expect(await storage.builds.claim(id, 'runner', now + 60_000, now, head)).toBe(true);
      expect(await storage.builds.unclaim(id, 'runner', {})).toEqual({
        place,
        lostClaims: 2,
        cancelRequested: true,
      });
      expect(await storage.builds.claim(id, 'runner', now + 60_000, now, head)).toBe(true);
      await storage.builds.markRunning(id, 'runner', {
        commitId: '',
        commitTime: null,
        commitMessage: '',
        branch: '',
      });
      expect(await storage.builds.unclaim(id, 'runner', { expiredBefore: now + 60_001 })).toBeUndefined();
    });

    it('keeps what a build needs when it is put back', async () => {
      const a = await projectJob();
      await queue(a, 'N1');
      const head = await storage.transaction((tx) => tx.queue.takeNext());
      expect(head && labels.get(head.recordId)).toBe('N1');
      await storage.transaction((tx) => tx.queue.restore(head!.recordId, a, head!.seq, now, { pool: 'gpu' }));
      expect(await claim()).toBeUndefined();
      expect(await claim(undefined, { arch: 'x64', pool: 'gpu' })).toBe('N1');
    });

    it('counts unfinished builds by where they are: queued, claimed (starting), running', async () => {
      // Earlier stories leave builds behind: the counts are checked as changes from here.
      const base = await storage.builds.activeCounts();
      const moved = (queued: number, starting: number, running: number) => ({
        queued: base.queued + queued,
        starting: base.starting + starting,
        running: base.running + running,
      });
      await queue(await projectJob(), 'G1');
      expect(await storage.builds.activeCounts()).toEqual(moved(1, 0, 0));
      expect(await claim()).toBe('G1');
      expect(await storage.builds.activeCounts()).toEqual(moved(0, 1, 0));
      expect(
        await storage.builds.markRunning(idOf('G1'), 'runner', {
          commitId: '',
          commitTime: null,
          commitMessage: '',
          branch: '',
        }),
      ).toBe(true);
      expect(await storage.builds.activeCounts()).toEqual(moved(0, 0, 1));
      await finish('G1');
      expect(await storage.builds.activeCounts()).toEqual(base);
    });
  });
}
