import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Build } from '../../src/domain/build.ts';
import { SecretBox } from '../../src/engine/secret-box.ts';
import { StoredSecrets } from '../../src/engine/stored-secrets.ts';
import { createBuild } from '../../src/engine/trigger.ts';
import { TEST_SECRET_KEY } from '../helpers/app.ts';
import { TestRepo } from '../helpers/git.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import {
  processesWith,
  shell,
  startEngineKiln,
  uniqueSleep,
  waitUntil,
  type EngineKiln,
} from '../helpers/engine.ts';

/**
 * Deleting a job ends its work: with one runner slot, one build runs (`sleep 30`) and one waits
 * in the queue; after the delete both end ABORTED, the sleeping process is gone, and the slot
 * runs the next job's build. Once deleted, the job's builds cannot be reached through the API
 * (404), so they are read from the store here.
 */

let repo: TestRepo;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit('first');
});

const DELETES = [
  ['DeleteBuildJob', 'POST', (job: string) => `/v3/jobs/${job}/delete`],
  ['DeleteTheJob', 'DELETE', (job: string) => `/v1/job/${job}/delete`],
] as const;

describe.each([
  ['sqlite', true],
  ['postgres', Boolean(TEST_DATABASE_URL)],
] as const)('deleting a job with builds on %s', (store, enabled) => {
  let ek: EngineKiln;
  beforeAll(async () => {
    if (enabled) ek = await startEngineKiln({ store, runner: { slots: 1 } });
  });
  afterAll(() => ek?.close());

  const scms = () => [{ url: repo.url, scm_type: 'git', branch: 'main' }];
  const build = (job: string, n: number): Promise<Build | undefined> =>
    ek.kiln.storage.builds.findByNumber(job, n);

  it.skipIf(!enabled).each(DELETES)(
    '%s aborts the queued build and stops the running one',
    async (_op, method, url) => {
      const sleeper = `sleep ${uniqueSleep()}`;
      const job = await ek.newJob({
        scms: scms(),
        steps: [shell('long', `${sleeper} & echo long-started; wait`)],
      });
      await ek.run(job);
      await ek.waitLog(job, 1, /long-started/);
      expect(processesWith(sleeper)).toHaveLength(1);
      await ek.run(job);
      expect((await build(job, 2))?.runningStatus).toBe('Starting');

      const res = await ek.kiln.call(ek.token, { method, url: url(job) });
      expect(res.statusCode).toBe(200);

      const ended = await waitUntil(
        'both builds to finish',
        async () => {
          const both = [await build(job, 1), await build(job, 2)];
          return both.every((b) => b?.runningStatus === 'Finished') ? both : undefined;
        },
        15_000,
      );
      expect(ended.map((b) => b?.state)).toEqual(['ABORTED', 'ABORTED']);
      await waitUntil(
        'the step process to die',
        () => (processesWith(sleeper).length ? undefined : true),
        5_000,
      );
      const queued = ended[1] as Build;
      const log = Buffer.from(await ek.kiln.storage.logs.read(queued.recordId, 0, 10_000)).toString();
      expect(log).toContain('the job was deleted by admin before the build started');

      // The slot is free again: another job's build runs to the end.
      const next = await ek.newJob({ scms: scms(), steps: [shell('quick', 'echo quick')] });
      await ek.run(next);
      expect((await ek.waitFinished(next, 1)).state).toBe('SUCCESS');
    },
  );

  it.skipIf(!enabled)('a run that read the job just before its delete creates no build', async () => {
    const job = await ek.newJob({ steps: [shell('x', 'true')] });
    const record = await ek.kiln.storage.jobs.findById(job);
    const user = await ek.kiln.storage.users.findById(record?.creatorId ?? '');
    if (!record || !user) throw new Error('job or user missing');
    expect((await ek.post(`/v3/jobs/${job}/delete`)).statusCode).toBe(200);
    // What RunJob (or a schedule, or a push) does after it has read the job.
    const input = {
      job: record,
      user,
      userMayModify: true,
      triggerType: 'Manual',
      request: { parameters: [] as { name: string; value: string }[] },
      now: Date.now(),
      timeZone: 'UTC',
    } as const;
    const stored = new StoredSecrets(new SecretBox(TEST_SECRET_KEY));
    await expect(ek.kiln.storage.transaction((tx) => createBuild(tx, input, stored))).rejects.toMatchObject({
      code: 'JOB_NOT_FOUND',
    });
    expect(await build(job, 1)).toBeUndefined();
  });
});
