import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createUser,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
} from '../helpers/foundation.ts';

/**
 * A job's own permission matrix hides it from a role (docs/security.md: the matrix "narrows ...
 * what each role ... may do with it: view, run, change, delete ..."; every live-job operation and
 * list honours it). Once the job is in the recycle bin the matrix is ignored: ListRecyclingJob
 * (job-store.ts listRecycled) shows every binned job of the caller's projects, and
 * RestoreRecyclingJobs (access.ts requireRecycledJob) asks only for the project role `build`. A
 * developer the owner kept away from a job learns its name and creator and can undo the owner's
 * delete, bringing back its schedules.
 */
const DEV: Credentials = { name: 'dev', password: 'dev-password-1', domain: 'default' };

onEveryStore((store) => {
  let kiln: TestKiln;
  let admin: string;
  let dev: string;
  let projectId: string;
  let jobId: string;
  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    admin = await tokenOf(kiln, ADMIN);
    projectId = await kiln.defaultProjectId();
    await createUser(kiln, admin, DEV.name, DEV.password);
    await setRole(kiln, admin, projectId, DEV.name, 'developer');
    dev = await tokenOf(kiln, DEV);
    jobId = await createJob(kiln, admin, projectId, { job_name: 'hr-salaries-export' });
    // The owner takes every permission on the job away from developers (role_id 4).
    const none = { is_view: false, is_execute: false, is_modify: false, is_delete: false };
    const hide = await kiln.call(admin, {
      method: 'POST',
      url: '/v1/job/permissions/batch',
      payload: {
        job_ids: [jobId],
        permissions: [{ role_id: 4, ...none, is_copy: false, is_forbidden: false, is_manager: false }],
      },
    });
    expect(hide.statusCode, hide.body).toBe(200);
    // While it lives, the developer cannot see it: not in the list, 403 on the job.
    const list = await kiln.call(dev, { method: 'GET', url: `/v3/${projectId}/jobs?page_index=0&page_size=50` });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.body).not.toContain('hr-salaries-export');
    expect((await kiln.call(dev, { method: 'GET', url: `/v3/jobs/${jobId}/query` })).statusCode).toBe(403);
    // The owner deletes it (to the bin).
    const del = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/delete` });
    expect(del.statusCode, del.body).toBe(200);
  });
  afterAll(() => kiln?.close());

  describe('a binned job whose matrix hides it from developers', () => {
    it('is not listed in the recycle bin to such a developer', async () => {
      const res = await kiln.call(dev, { method: 'GET', url: '/v1/job/recycling-jobs?page_no=1&page_size=50' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).not.toContain('hr-salaries-export');
      expect(res.json().result.total).toBe(0);
    });

    it('cannot be restored by such a developer (403 or 404), and stays in the bin', async () => {
      const res = await kiln.call(dev, {
        method: 'POST',
        url: '/v1/job/recycling-restoration',
        payload: { job_ids: [jobId] },
      });
      expect([403, 404], res.body).toContain(res.statusCode);
      const still = await kiln.call(admin, {
        method: 'GET',
        url: '/v1/job/recycling-jobs?page_no=1&page_size=50',
      });
      expect(still.body).toContain(jobId);
    });
  });
});
