import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln, jobBody } from '../../helpers/app.ts';
import {
  ADMIN,
  buildFixture,
  createJob,
  createUser,
  expectCodeArtsError,
  importRecords,
  onEveryStore,
  recordLine,
  seedArtifact,
  setRole,
  tokenOf,
  type Credentials,
  type Fixture,
} from '../../helpers/foundation.ts';
import { expectShape } from '../../helpers/shapes.ts';

/**
 * Retention: SetKeepTime (how long the recycle bin keeps deleted jobs, per domain), and a job's
 * build retention (`kiln.builds_keep_days` / `kiln.builds_keep_last`): expired builds go with
 * their logs and artifacts, the last successful build and unfinished builds stay, and the records
 * API's counts stay exact, also across a crash in the middle.
 */

const DEV: Credentials = { name: 'keeper-dev', password: 'dev-password-1', domain: 'default' };
const DAY_MS = 86_400_000;
const WIDE = 'start_time=2000-01-01%2000%3A00%3A00&end_time=2099-12-31%2023%3A59%3A59';

onEveryStore((store) => {
  describe('retention', () => {
    let kiln: TestKiln;
    let fx: Fixture;
    let dev: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      fx = await buildFixture(kiln, 'retention-job');
      await createUser(kiln, fx.adminToken, DEV.name, DEV.password);
      await setRole(kiln, fx.adminToken, fx.projectId, DEV.name, 'owner');
    });
    // Tests move the clock by days: each starts with tokens issued now.
    beforeEach(async () => {
      fx.adminToken = await tokenOf(kiln, ADMIN);
      dev = await tokenOf(kiln, DEV);
    });
    afterAll(() => kiln?.close());

    const call = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      kiln.call(token, { method, url, ...(payload !== undefined && { payload: payload as object }) });
    const setKeepTime = (token: string, keep: unknown) =>
      call(token, 'POST', '/v1/job/keep-time', { keep_time: keep });
    /** A job of the fixture's project with `kiln` options, and `lines` imported into it. */
    const jobWith = async (name: string, options: Record<string, unknown>, lines: string[] = []) => {
      const jobId = await createJob(kiln, fx.adminToken, fx.projectId, {
        job_name: fx.unique(name),
        kiln: options,
      });
      if (lines.length > 0) await importRecords(kiln, fx.adminToken, jobId, lines);
      return jobId;
    };
    const numbersOf = async (jobId: string) => {
      const numbers: number[] = [];
      for (let page = 0; ; page++) {
        const res = await call(
          fx.adminToken,
          'GET',
          `/v3/jobs/${jobId}/build-info-records?${WIDE}&page_size=100&page_index=${page}`,
        );
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json().result;
        const builds = body.job_build_states as { number: number }[];
        numbers.push(...builds.map((r) => r.number));
        // The total comes from the per-day counts: it must match the builds there are.
        if (builds.length < 100) {
          expect(Number(body.total_record)).toBe(numbers.length);
          return numbers.sort((a, b) => a - b);
        }
      }
    };
    /** Sets a job's rule in the store: no update kicks a retention run before the test is ready. */
    const setRuleQuietly = async (jobId: string, rule: Record<string, unknown>) => {
      const job = (await kiln.storage.jobs.findById(jobId))!;
      const config = JSON.stringify({ ...JSON.parse(job.config), kiln: rule });
      await kiln.storage.jobs.updateConfig(jobId, job.name, config, kiln.clock.now());
    };
    /** A build line started `daysAgo` days before the test clock's now. */
    const lineAt = (number: number, daysAgo: number, state = 'SUCCESS') =>
      recordLine(number, { start_time: kiln.clock.now() - daysAgo * DAY_MS, state });

    describe('SetKeepTime', () => {
      it('sets how long the domain keeps deleted jobs, which ListRecyclingJob reports and the purge obeys', async () => {
        const before = (await call(dev, 'GET', '/v1/job/recycling-jobs')).json().result.keep_time;
        expect(before).toBe(30);
        const res = await setKeepTime(fx.adminToken, 7);
        expect(res.statusCode, res.body).toBe(200);
        expectShape(res.json(), { result: { keep_time: 'number' }, error: 'null', status: 'string' });
        expect(res.json()).toEqual({ result: { keep_time: 7 }, error: null, status: 'success' });
        expect((await call(dev, 'GET', '/v1/job/recycling-jobs')).json().result.keep_time).toBe(7);

        const old = await jobWith('binned-8-days', {}, [recordLine(1)]);
        const recent = await jobWith('binned-6-days', {});
        expect((await call(dev, 'POST', `/v3/jobs/${old}/delete`)).statusCode).toBe(200);
        kiln.clock.advance(2 * DAY_MS);
        expect((await call(await tokenOf(kiln, DEV), 'POST', `/v3/jobs/${recent}/delete`)).statusCode).toBe(
          200,
        );
        kiln.clock.advance(6 * DAY_MS);
        await kiln.engine.bin.sweep();
        const left = (await call(await tokenOf(kiln, DEV), 'GET', '/v1/job/recycling-jobs?page_size=100'))
          .json()
          .result.job_list.map((j: { job_id: string }) => j.job_id);
        expect(left).toContain(recent);
        expect(left).not.toContain(old);
        expect(await kiln.storage.builds.findByNumber(old, 1)).toBeUndefined();
        // Back to the server's setting for the other tests.
        expect((await setKeepTime(await tokenOf(kiln, ADMIN), 30)).statusCode).toBe(200);
      });

      it('is for administrators: a project owner is refused, and nothing changes', async () => {
        expectCodeArtsError(await setKeepTime(dev, 3), 403, 'CB.00060403', /administrator/);
        expect((await call(dev, 'GET', '/v1/job/recycling-jobs')).json().result.keep_time).toBe(30);
      });

      it.each([0, -1, 3651, 2.5, '7', null])('refuses keep_time %j with a 400 that names it', async (bad) => {
        expectCodeArtsError(await setKeepTime(fx.adminToken, bad), 400, 'CB.00060200', /keep_time/);
      });
    });

    describe('build retention', () => {
      it('keeps the newest builds_keep_last builds and the last successful one; the others go', async () => {
        const states = ['SUCCESS', 'SUCCESS', 'FAILURE', 'SUCCESS', 'FAILURE', 'FAILURE'];
        const jobId = await jobWith(
          'keep-last',
          { builds_keep_last: 2 },
          states.map((state, i) => recordLine(i + 1, { state })),
        );
        await kiln.engine.retention.retain(jobId);
        expect(await numbersOf(jobId)).toEqual([4, 5, 6]);
      });

      it('deletes builds older than builds_keep_days, except the newest builds_keep_last', async () => {
        const jobId = await jobWith('keep-days', { builds_keep_days: 5, builds_keep_last: 2 }, [
          lineAt(1, 30, 'FAILURE'),
          lineAt(2, 20),
          lineAt(3, 10, 'FAILURE'),
          lineAt(4, 9, 'FAILURE'),
          lineAt(5, 8, 'FAILURE'),
          lineAt(6, 4, 'FAILURE'),
        ]);
        await kiln.engine.retention.retain(jobId);
        // 2 is the last success; 5 is old but among the newest two; 6 is recent.
        expect(await numbersOf(jobId)).toEqual([2, 5, 6]);
      });

      it('keeps the newest build however old, as the job lists show it as the last', async () => {
        const jobId = await jobWith('keep-newest', { builds_keep_days: 5 }, [
          lineAt(1, 30),
          lineAt(2, 20, 'FAILURE'),
          lineAt(3, 10, 'FAILURE'),
        ]);
        await kiln.engine.retention.retain(jobId);
        // 1 is the last success, 3 the newest; 2 goes.
        expect(await numbersOf(jobId)).toEqual([1, 3]);
      });

      it('takes logs and artifact bytes with the builds, and leaves other jobs alone', async () => {
        const jobId = await jobWith('keep-one', {}, [recordLine(1), recordLine(2)]);
        const other = await jobWith('no-rule', {}, [recordLine(1), recordLine(2)]);
        const first = (await kiln.storage.builds.findByNumber(jobId, 1))!;
        await kiln.storage.logs.appendAtEnd(first.recordId, Buffer.from('a line of the log\n'));
        expect((await kiln.storage.logs.read(first.recordId, 0, 1000)).length).toBeGreaterThan(0);
        await seedArtifact(kiln, { recordId: first.recordId, jobId, buildNumber: 1, name: 'out.txt' }, 'x');
        const [artifact] = await kiln.storage.artifacts.listByBuild(first.recordId);
        expect(artifact).toBeDefined();
        await kiln.engine.retention.retain(jobId);
        await setRuleQuietly(jobId, { builds_keep_last: 1 });

        expect(await kiln.engine.retention.retainAll()).toBeGreaterThanOrEqual(1);
        expect(await numbersOf(jobId)).toEqual([2]);
        expect(await numbersOf(other)).toEqual([1, 2]);
        expect((await kiln.storage.logs.read(first.recordId, 0, 1000)).length).toBe(0);
        expect(await kiln.storage.artifacts.known([artifact!.id])).toEqual(new Set());
        const keys: string[] = [];
        for await (const blob of kiln.artifactBlobs.listBlobs()) keys.push(blob.key);
        expect(keys).not.toContain(artifact!.id);
        const gone = await call(fx.adminToken, 'GET', `/v1/record/${jobId}/1/build-info-record`);
        expect(gone.statusCode).toBe(404);
      });

      it('never deletes a build that has not finished, however old', async () => {
        const jobId = await jobWith('queued', { builds_keep_days: 1 }, [lineAt(1, 3)]);
        const run = await call(fx.adminToken, 'POST', '/v3/jobs/build', { job_id: jobId });
        expect(run.statusCode, run.body).toBe(200);
        kiln.clock.advance(10 * DAY_MS);
        await kiln.engine.retention.retain(jobId);
        // Build 1 is the last success; build 2 waits in the queue (no runner here).
        const queued = await kiln.storage.builds.findByNumber(jobId, 2);
        expect(queued).toBeDefined();
        expect(queued!.runningStatus).not.toBe('Finished');
        expect(await kiln.storage.builds.findByNumber(jobId, 1)).toBeDefined();
      });

      it('applies a rule at once when an update sets it, and to imported history', async () => {
        const name = fx.unique('later-rule');
        const jobId = await createJob(kiln, fx.adminToken, fx.projectId, { job_name: name });
        await importRecords(
          kiln,
          fx.adminToken,
          jobId,
          [1, 2, 3, 4].map((n) => recordLine(n)),
        );
        const update = await call(fx.adminToken, 'POST', '/v3/jobs/update', {
          ...jobBody(fx.projectId, { job_name: name, kiln: { builds_keep_last: 1 } }),
          job_id: jobId,
        });
        expect(update.statusCode, update.body).toBe(200);
        await expect.poll(() => numbersOf(jobId), { timeout: 10_000 }).toEqual([4]);
        await importRecords(kiln, fx.adminToken, jobId, [recordLine(5), recordLine(6)]);
        await expect.poll(() => numbersOf(jobId), { timeout: 10_000 }).toEqual([6]);
      });

      it('leaves the counts exact when the server dies in the middle, and the next run finishes', async () => {
        const jobId = await jobWith(
          'interrupted',
          {},
          Array.from({ length: 350 }, (_, i) => recordLine(i + 1)),
        );
        // The import's own run (no rule yet) is over before the rule is set.
        await kiln.engine.retention.retain(jobId);
        await setRuleQuietly(jobId, { builds_keep_last: 10 });
        const transaction = kiln.storage.transaction.bind(kiln.storage);
        let batches = 0;
        kiln.storage.transaction = (async (fn: Parameters<typeof transaction>[0]) => {
          if (++batches > 2) throw new Error('the server died');
          return transaction(fn);
        }) as typeof transaction;
        try {
          await expect(kiln.engine.retention.retain(jobId)).rejects.toThrow('the server died');
        } finally {
          kiln.storage.transaction = transaction;
        }
        // Two batches of 50 went; the totals read from the day counts say so.
        const left = await numbersOf(jobId);
        expect(left.length).toBe(250);
        expect(left[0]).toBe(101);
        await kiln.engine.retention.retain(jobId);
        expect(await numbersOf(jobId)).toEqual([341, 342, 343, 344, 345, 346, 347, 348, 349, 350]);
      });

      it('refuses a rule out of range, naming it', async () => {
        for (const kilnOptions of [
          { builds_keep_days: 0 },
          { builds_keep_last: 0 },
          { builds_keep_last: 'ten' },
        ]) {
          const res = await call(
            fx.adminToken,
            'POST',
            '/v3/jobs/create',
            jobBody(fx.projectId, { job_name: fx.unique('bad-rule'), kiln: kilnOptions }),
          );
          expectCodeArtsError(res, 400, 'CB.00060200', /builds_keep_/);
        }
      });
    });
  });
});
