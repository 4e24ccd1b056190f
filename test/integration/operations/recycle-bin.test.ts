import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  buildFixture,
  createJob,
  createUser,
  expectCodeArtsError,
  FIXTURE_ARTIFACT,
  seedArtifact,
  importRecords,
  onEveryStore,
  recordLine,
  setRole,
  tokenOf,
  type Credentials,
  type Fixture,
} from '../../helpers/foundation.ts';
import { expectShape } from '../../helpers/shapes.ts';

/**
 * The recycle bin: every delete moves a job there with its builds, logs and artifacts; a developer
 * restores it whole; only an owner deletes it for good (or the purge, once it has been there longer
 * than the retention period), and then its builds, logs and artifact bytes go too.
 */

const DEV: Credentials = { name: 'dev', password: 'dev-password-1', domain: 'default' };
const OWNER: Credentials = { name: 'owner', password: 'owner-password-1', domain: 'default' };
const DAY_MS = 86_400_000;

const RECYCLING_JOB = {
  job_id: 'string',
  job_name: 'string',
  project_id: 'string',
  creator_name: 'string',
  creator_id: 'string',
  create_time: 'string',
  delete_time: 'string',
  create_time_stamp: 'string',
  delete_time_stamp: 'string',
} as const;

onEveryStore((store) => {
  describe('the recycle bin', () => {
    let kiln: TestKiln;
    let fx: Fixture;
    let dev: string;
    let owner: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      fx = await buildFixture(kiln, 'binned-job');
      await createUser(kiln, fx.adminToken, DEV.name, DEV.password);
      await setRole(kiln, fx.adminToken, fx.projectId, DEV.name, 'developer');
      await createUser(kiln, fx.adminToken, OWNER.name, OWNER.password);
      await setRole(kiln, fx.adminToken, fx.projectId, OWNER.name, 'owner');
    });
    // Tests move the clock by days: each starts with tokens issued now.
    beforeEach(async () => {
      fx.adminToken = await tokenOf(kiln, ADMIN);
      dev = await tokenOf(kiln, DEV);
      owner = await tokenOf(kiln, OWNER);
    });
    afterAll(() => kiln?.close());

    const call = (token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
      kiln.call(token, { method, url, ...(payload !== undefined && { payload: payload as object }) });
    const bin = async (token: string, query = '') => {
      const res = await call(token, 'GET', `/v1/job/recycling-jobs${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const binIds = async (token: string) =>
      (await bin(token, '?page_size=100')).result.job_list.map((j: { job_id: string }) => j.job_id);
    const deleteJob = async (token: string, jobId: string) => {
      const res = await call(token, 'POST', `/v3/jobs/${jobId}/delete`);
      expect(res.statusCode, res.body).toBe(200);
    };
    const newJob = async (name: string) =>
      createJob(kiln, fx.adminToken, fx.projectId, { job_name: fx.unique(name) });
    /** What a job's history reads like through the API: records, a log, an artifact's bytes. */
    const history = async (token: string) => {
      const records = await call(
        token,
        'GET',
        `/v3/jobs/${fx.jobId}/build-info-records?start_time=2023-11-01%2000%3A00%3A00&end_time=2099-01-01%2000%3A00%3A00`,
      );
      const log = await call(token, 'GET', `/v4/${fx.recordId}/download-log`);
      const artifact = await call(
        token,
        'GET',
        `/v1/kiln/jobs/${fx.jobId}/${fx.buildNo}/artifacts/${FIXTURE_ARTIFACT}`,
      );
      return [records.statusCode, records.body, log.statusCode, log.body, artifact.statusCode, artifact.body];
    };

    it('takes a deleted job with its history, and gives it back whole on restore', async () => {
      const before = await history(dev);
      expect(before[0]).toBe(200);
      expect(before[4]).toBe(200);
      await deleteJob(dev, fx.jobId);
      expect((await call(dev, 'GET', `/v1/job/${fx.jobId}/config`)).statusCode).toBe(404);

      const listed = await bin(dev, `?search=${encodeURIComponent('BINNED')}`);
      expectShape(listed, {
        success: 'boolean',
        message: 'string',
        err_code: 'string',
        status: 'string',
        result: { keep_time: 'integer', total: 'integer', job_list: [RECYCLING_JOB] },
      });
      expect(listed.result.keep_time).toBe(30);
      expect(listed.result.total).toBe(1);
      const [entry] = listed.result.job_list;
      expect(entry).toMatchObject({ job_id: fx.jobId, job_name: 'binned-job', project_id: fx.projectId });
      expect(entry.creator_name).toBe('admin');
      expect(entry.delete_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(Number(entry.delete_time_stamp)).toBe(Math.floor(kiln.clock.now() / 1000));

      const res = await call(dev, 'POST', '/v1/job/recycling-restoration', { job_ids: [fx.jobId] });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ error: null, status: 'success' });
      expect(await history(dev)).toEqual(before);
      expect(await binIds(dev)).not.toContain(fx.jobId);
    });

    it('lists only the jobs of projects the caller can see, a page at a time', async () => {
      const ids = [await newJob('page'), await newJob('page'), await newJob('page')];
      for (const id of ids) {
        await deleteJob(fx.adminToken, id);
        kiln.clock.advance(1000);
      }
      const first = await bin(dev, '?page_no=1&page_size=2&search=page');
      const second = await bin(dev, '?page_no=2&page_size=2&search=page');
      expect(first.result.total).toBe(3);
      // The latest deleted first.
      expect(first.result.job_list.map((j: { job_id: string }) => j.job_id)).toEqual([ids[2], ids[1]]);
      expect(second.result.job_list.map((j: { job_id: string }) => j.job_id)).toEqual([ids[0]]);

      // A user of the domain who is a member of no project sees none of them.
      await createUser(kiln, fx.adminToken, 'outsider', 'outsider-password-1');
      const outsider = await tokenOf(kiln, {
        name: 'outsider',
        password: 'outsider-password-1',
        domain: 'default',
      });
      expect((await bin(outsider)).result).toEqual({ keep_time: 30, total: 0, job_list: [] });
    });

    it('refuses to restore a job whose name a live job has taken, naming both; the job stays in the bin', async () => {
      const name = fx.unique('taken');
      const old = await createJob(kiln, fx.adminToken, fx.projectId, { job_name: name });
      await deleteJob(dev, old);
      await createJob(kiln, fx.adminToken, fx.projectId, { job_name: name });
      const res = await call(dev, 'POST', '/v1/job/recycling-restoration', { job_ids: [old] });
      expectCodeArtsError(
        res,
        409,
        'CB.00060409',
        new RegExp(`job ${old} cannot be restored: .*named ${name}`),
      );
      expect(await binIds(dev)).toContain(old);
    });

    it('restores all or none: an id not in the bin fails the request and restores nothing', async () => {
      const binned = await newJob('all-or-none');
      await deleteJob(dev, binned);
      const live = await newJob('all-or-none');
      const res = await call(dev, 'POST', '/v1/job/recycling-restoration', { job_ids: [binned, live] });
      expectCodeArtsError(res, 404, 'CB.00060201', `job ${live} not found in the recycle bin`);
      expect(await binIds(dev)).toContain(binned);
      const empty = await call(dev, 'POST', '/v1/job/recycling-restoration', { job_ids: [] });
      expectCodeArtsError(empty, 400, 'CB.00060200', /job_ids/);
    });

    it('lets a developer delete and restore, but only an owner delete for good', async () => {
      const jobId = await newJob('owned');
      await deleteJob(dev, jobId);
      const refused = await call(dev, 'DELETE', '/v1/job/recycling-deletion', { job_ids: [jobId] });
      expectCodeArtsError(refused, 403, 'CB.00060403', /delete jobs permanently \(only an owner may\)/);
      expect(await binIds(dev)).toContain(jobId);
      // Emptying the bin as a developer deletes nothing (they own no project).
      const cleared = await call(dev, 'DELETE', '/v1/job/recycling-empty');
      expect(cleared.json()).toEqual({ error: null, status: 'success' });
      expect(await binIds(dev)).toContain(jobId);

      const res = await call(owner, 'DELETE', '/v1/job/recycling-deletion', { job_ids: [jobId] });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ status: 'success' });
      // Gone from the bin at once; not restorable while the purge runs.
      expect(await binIds(dev)).not.toContain(jobId);
      const restore = await call(dev, 'POST', '/v1/job/recycling-restoration', { job_ids: [jobId] });
      expectCodeArtsError(restore, 404, 'CB.00060201');
    });

    it('deletes a job for good with its builds, logs and artifact bytes', async () => {
      const doomed = await newJob('doomed');
      await importRecords(kiln, fx.adminToken, doomed, [recordLine(1), recordLine(2)]);
      const build = await kiln.storage.builds.findByNumber(doomed, 2);
      await kiln.storage.logs.appendAtEnd(build!.recordId, Buffer.from('a line of the log\n'));
      await seedArtifact(
        kiln,
        { recordId: build!.recordId, jobId: doomed, buildNumber: 2, name: 'out.txt' },
        'x',
      );
      const artifacts = await kiln.storage.artifacts.listByBuild(build!.recordId);
      expect(artifacts.length).toBe(1);
      await deleteJob(dev, doomed);
      expect(await kiln.storage.builds.findByRecordId(build!.recordId)).toBeDefined();

      const res = await call(owner, 'DELETE', '/v1/job/recycling-deletion', { job_ids: [doomed] });
      expect(res.statusCode, res.body).toBe(200);
      await kiln.engine.bin.sweep();
      expect(await kiln.storage.builds.findByRecordId(build!.recordId)).toBeUndefined();
      expect(await kiln.storage.builds.findByNumber(doomed, 1)).toBeUndefined();
      expect(await kiln.storage.logs.size(build!.recordId)).toBe(0);
      expect(await kiln.storage.artifacts.known(artifacts.map((a) => a.id))).toEqual(new Set());
      const keys: string[] = [];
      for await (const blob of kiln.artifactBlobs.listBlobs()) keys.push(blob.key);
      expect(keys).not.toContain(artifacts[0]!.id);
      // The fixture job's flow had a child of it: that job's records are untouched.
      expect((await call(dev, 'GET', `/v4/${fx.recordId}/download-log`)).statusCode).toBe(200);
    });

    it('empties itself of jobs deleted longer ago than the retention period', async () => {
      const recent = await newJob('recent');
      const old = await newJob('old');
      await importRecords(kiln, fx.adminToken, old, [recordLine(1), recordLine(2)]);
      await deleteJob(dev, old);
      kiln.clock.advance(20 * DAY_MS);
      await deleteJob(await tokenOf(kiln, DEV), recent);
      kiln.clock.advance(11 * DAY_MS);
      dev = await tokenOf(kiln, DEV);
      await kiln.engine.bin.sweep();
      const left = await binIds(dev);
      expect(left).toContain(recent);
      expect(left).not.toContain(old);
      expect(await kiln.storage.builds.findByNumber(old, 1)).toBeUndefined();
    });

    it('finishes a purge a crash interrupted: the job stays marked and the next sweep ends it', async () => {
      const jobId = await newJob('interrupted');
      await importRecords(
        kiln,
        fx.adminToken,
        jobId,
        Array.from({ length: 450 }, (_, i) => recordLine(i + 1)),
      );
      await deleteJob(dev, jobId);
      // (As DeleteRecyclingJobs asks, without the sweep it starts at once.)
      await kiln.storage.jobs.requestPurge([jobId]);
      // The server dies after the purge's second batch of builds (200 each) committed.
      const transaction = kiln.storage.transaction.bind(kiln.storage);
      let batches = 0;
      kiln.storage.transaction = (async (fn: Parameters<typeof transaction>[0]) => {
        if (++batches > 2) throw new Error('the server died');
        return transaction(fn);
      }) as typeof transaction;
      try {
        await expect(kiln.engine.bin.sweep()).rejects.toThrow('the server died');
      } finally {
        kiln.storage.transaction = transaction;
      }
      expect(await kiln.storage.builds.findByNumber(jobId, 1)).toBeUndefined();
      const leftOver = await kiln.storage.builds.someFinishedIdsOfJob(jobId, 1000);
      expect(leftOver.length).toBe(50);
      expect(await binIds(dev)).not.toContain(jobId);

      await kiln.engine.bin.sweep();
      expect(await kiln.storage.builds.someFinishedIdsOfJob(jobId, 1000)).toEqual([]);
      expect((await call(fx.adminToken, 'GET', `/v1/job/${jobId}/config`)).statusCode).toBe(404);
    });

    it('BatchDeleteBuildJobs moves every job named to the bin, or none when one cannot go', async () => {
      const a = await newJob('batch');
      const b = await newJob('batch');
      const refused = await call(dev, 'DELETE', '/v1/job/batch-delete', { job_ids: [a, 'f'.repeat(32)] });
      expectCodeArtsError(refused, 404, 'CB.00060201', 'job not found');
      expect((await call(dev, 'GET', `/v1/job/${a}/config`)).statusCode).toBe(200);

      const res = await call(dev, 'DELETE', '/v1/job/batch-delete', { job_ids: [a, b] });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        result: { job_id: b, project_id: fx.projectId },
        error: null,
        status: 'success',
      });
      expect(await binIds(dev)).toEqual(expect.arrayContaining([a, b]));
    });

    it("restarts a restored job's timer from the restore, without firing what fell due meanwhile", async () => {
      const jobId = await createJob(kiln, fx.adminToken, fx.projectId, {
        job_name: fx.unique('timed'),
        triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '0 3 * * *' }] }],
      });
      await deleteJob(dev, jobId);
      const schedules = async () =>
        (await kiln.storage.schedules.listDue(Number.MAX_SAFE_INTEGER, 1000)).filter(
          (e) => e.jobId === jobId,
        );
      expect(await schedules()).toEqual([]);
      kiln.clock.advance(3 * DAY_MS);
      const res = await call(await tokenOf(kiln, DEV), 'POST', '/v1/job/recycling-restoration', {
        job_ids: [jobId],
      });
      expect(res.statusCode, res.body).toBe(200);
      const [entry] = await schedules();
      expect(entry?.lastDue).toBe(kiln.clock.now());
      expect(entry?.nextDue).toBeGreaterThan(kiln.clock.now());
    });
  });
});
