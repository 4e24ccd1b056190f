import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln, jobBody } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  expectCodeArtsError,
  onEveryStore,
  setRole,
  tokenOf,
} from '../../helpers/foundation.ts';

/**
 * KILN_MAX_JOBS_PER_PROJECT and CheckJobCountIsTopLimit (`GET /v1/job/check/count`): a full project
 * refuses a new job, a copy and a restore from the recycle bin with a 409 that says why; jobs in
 * the bin do not count; two creates racing for the last place cannot both win.
 */

onEveryStore((store) => {
  describe('the job limit per project', () => {
    let kiln: TestKiln;
    let admin: string;
    let project: string;
    let other: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store, maxJobsPerProject: 2 });
      admin = await tokenOf(kiln, ADMIN);
      project = await createProject(kiln, admin, 'limited');
      other = await createProject(kiln, admin, 'roomy');
    });
    afterAll(() => kiln?.close());

    const full = async (token: string, projectId?: string) => {
      const query = projectId ? `?project_id=${projectId}` : '';
      const res = await kiln.call(token, { method: 'GET', url: `/v1/job/check/count${query}` });
      expect(res.statusCode, res.body).toBe(200);
      expect(Object.keys(res.json()).sort()).toEqual(['error', 'result', 'status']);
      return res.json().result as boolean;
    };
    const create = (name: string, projectId = project) =>
      kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(projectId, { job_name: name }),
      });

    it('refuses the job one past the limit, its copies and restores, and counts no job in the bin', async () => {
      expect(await full(admin, project)).toBe(false);
      const first = await createJob(kiln, admin, project, { job_name: 'first' });
      await createJob(kiln, admin, project, { job_name: 'second' });
      expect(await full(admin, project)).toBe(true);
      expectCodeArtsError(
        await create('third'),
        409,
        'CB.00060409',
        /at most 2 \(KILN_MAX_JOBS_PER_PROJECT\)/,
      );
      const copy = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/copy',
        payload: { ...jobBody(project, { job_name: 'a-copy' }), copy_job_id: first },
      });
      expectCodeArtsError(copy, 409, 'CB.00060409', /at most 2/);

      // A job in the bin leaves room; restoring it into a full project is refused, and it stays there.
      expect((await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${first}/delete` })).statusCode).toBe(
        200,
      );
      expect(await full(admin, project)).toBe(false);
      expect((await create('third')).statusCode).toBe(200);
      const restore = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/recycling-restoration',
        payload: { job_ids: [first] },
      });
      expectCodeArtsError(restore, 409, 'CB.00060409', /at most 2/);
      const bin = await kiln.call(admin, { method: 'GET', url: '/v1/job/recycling-jobs?page_size=100' });
      expect(bin.json().result.job_list.map((j: { job_id: string }) => j.job_id)).toContain(first);
    });

    it('answers for every project the caller can see when no project is named', async () => {
      await createUser(kiln, admin, 'limited-viewer', 'viewer-password-1');
      await setRole(kiln, admin, project, 'limited-viewer', 'viewer');
      const viewer = await tokenOf(kiln, {
        name: 'limited-viewer',
        password: 'viewer-password-1',
        domain: 'default',
      });
      // The viewer sees only the full project; the admin also sees the default and roomy ones.
      expect(await full(viewer)).toBe(true);
      expect(await full(admin)).toBe(false);
      const stranger = await kiln.call(viewer, {
        method: 'GET',
        url: `/v1/job/check/count?project_id=${other}`,
      });
      expect(stranger.statusCode).toBe(404);
    });

    it('lets one of two creates racing for the last place win', async () => {
      await createJob(kiln, admin, other, { job_name: 'filler' });
      for (let round = 0; round < 5; round++) {
        const [a, b] = await Promise.all([
          create(`racer-a-${round}`, other),
          create(`racer-b-${round}`, other),
        ]);
        expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
        expect(await kiln.storage.jobs.countLive(other)).toBe(2);
        // Make room again: the winner goes to the bin.
        const winner = (a.statusCode === 200 ? a : b).json().result.job_id;
        expect(
          (await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${winner}/delete` })).statusCode,
        ).toBe(200);
      }
    });
  });

  describe('no job limit (the default)', () => {
    let kiln: TestKiln;
    afterAll(() => kiln?.close());
    it('never reports a project full', async () => {
      kiln = await createTestKiln({ store });
      const admin = await tokenOf(kiln, ADMIN);
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/job/check/count' });
      expect(res.json()).toEqual({ result: false, error: null, status: 'success' });
    });
  });
});
