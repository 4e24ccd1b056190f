import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createUser,
  expectCodeArtsError,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
} from '../../helpers/foundation.ts';

/**
 * The recycle bin keeps to a job's own permission matrix (docs/security.md: the matrix "narrows ...
 * what each role ... may do with it: view, run, change, delete ..."), as every live-job operation
 * and list does. ListRecyclingJob lists only the binned jobs the caller may view (the live lists'
 * rule, job-store.ts mayView); RestoreRecyclingJobs and DeleteRecyclingJobs also need `delete` on
 * the job, the permission that put it there (access.ts requireRecycledJob). Otherwise a developer
 * the owner kept away from a job would learn its name and creator from the bin and could undo the
 * owner's delete, bringing back its schedules.
 */
const DEV: Credentials = { name: 'dev', password: 'dev-password-1', domain: 'default' };

/** A developers' row (role id 4) of a job's matrix. */
function developersMay(view: boolean, del: boolean) {
  return {
    role_id: 4,
    is_view: view,
    is_execute: false,
    is_modify: false,
    is_delete: del,
    is_copy: false,
    is_forbidden: false,
    is_manager: false,
  };
}

onEveryStore((store) => {
  let kiln: TestKiln;
  let admin: string;
  let dev: string;
  let projectId: string;
  let hiddenJob: string;
  let lookOnlyJob: string;

  const binBody = async (token: string) => {
    const res = await kiln.call(token, {
      method: 'GET',
      url: '/v1/job/recycling-jobs?page_no=1&page_size=50',
    });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  };
  const restore = (token: string, jobId: string) =>
    kiln.call(token, { method: 'POST', url: '/v1/job/recycling-restoration', payload: { job_ids: [jobId] } });

  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    admin = await tokenOf(kiln, ADMIN);
    projectId = await kiln.defaultProjectId();
    await createUser(kiln, admin, DEV.name, DEV.password);
    await setRole(kiln, admin, projectId, DEV.name, 'developer');
    dev = await tokenOf(kiln, DEV);
    hiddenJob = await createJob(kiln, admin, projectId, { job_name: 'hr-salaries-export' });
    lookOnlyJob = await createJob(kiln, admin, projectId, { job_name: 'look-only' });
    // The owner takes every permission on one job away from developers, and all but view on the other.
    for (const [jobId, row] of [
      [hiddenJob, developersMay(false, false)],
      [lookOnlyJob, developersMay(true, false)],
    ] as const) {
      const set = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/permissions/batch',
        payload: { job_ids: [jobId], permissions: [row] },
      });
      expect(set.statusCode, set.body).toBe(200);
    }
    // While it lives, the developer cannot see the hidden one: not in the list, 403 on the job.
    const list = await kiln.call(dev, {
      method: 'GET',
      url: `/v3/${projectId}/jobs?page_index=0&page_size=50`,
    });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.body).not.toContain('hr-salaries-export');
    expect(list.body).toContain('look-only');
    expect((await kiln.call(dev, { method: 'GET', url: `/v3/jobs/${hiddenJob}/query` })).statusCode).toBe(
      403,
    );
    // The owner deletes both (to the bin).
    for (const jobId of [hiddenJob, lookOnlyJob]) {
      const del = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/delete` });
      expect(del.statusCode, del.body).toBe(200);
    }
  });
  afterAll(() => kiln?.close());

  describe('a binned job whose matrix hides it from developers', () => {
    it('is not listed in the recycle bin to such a developer (the one they may view is)', async () => {
      const res = await binBody(dev);
      expect(res.body).not.toContain('hr-salaries-export');
      expect(res.body).toContain('look-only');
      expect(res.json().result.total).toBe(1);
      expect((await binBody(admin)).json().result.total).toBe(2);
    });

    it('cannot be restored by such a developer (403), and stays in the bin', async () => {
      const res = await restore(dev, hiddenJob);
      expectCodeArtsError(res, 403, 'CB.00060403', new RegExp(`job ${hiddenJob} do not allow you to see it`));
      expect((await binBody(admin)).body).toContain(hiddenJob);
    });
  });

  describe('a binned job whose matrix lets developers view it but not delete it', () => {
    it('cannot be restored by a developer: a restore undoes the delete they may not do (403)', async () => {
      const res = await restore(dev, lookOnlyJob);
      expectCodeArtsError(res, 403, 'CB.00060403', /do not allow you to delete it/);
      expect((await binBody(admin)).body).toContain(lookOnlyJob);
    });
  });

  it('an owner restores both: owners keep every permission whatever the matrix', async () => {
    for (const jobId of [hiddenJob, lookOnlyJob]) {
      const res = await restore(admin, jobId);
      expect(res.statusCode, res.body).toBe(200);
    }
    expect((await binBody(admin)).json().result.total).toBe(0);
  });
});
