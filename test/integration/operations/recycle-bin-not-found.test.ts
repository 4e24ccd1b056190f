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
 * An operation on a job in the recycle bin: a caller who may view the job there (the bin lists it
 * for them) is told it is in the bin and how to restore it, with the 404 and error code of a job
 * not found; anyone else gets exactly the answer of a job that never existed (access.ts jobNotFound).
 */
const VIEWER: Credentials = { name: 'bin-viewer', password: 'viewer-password-1', domain: 'default' };
const HIDDEN: Credentials = { name: 'bin-hidden', password: 'hidden-password-1', domain: 'default' };
const OUTSIDER: Credentials = { name: 'bin-outsider', password: 'outsider-password-1', domain: 'default' };
const NEVER_EXISTED = 'f'.repeat(32);

onEveryStore((store) => {
  let kiln: TestKiln;
  let admin: string;
  let jobId: string;
  let config: Record<string, unknown>;
  const tokens: Record<string, string> = {};

  /** The operations on one job a user reaches for: show, run, update, history. */
  const operations = (id: string) =>
    [
      ['ListJobConfig', { method: 'GET', url: `/v3/jobs/${id}/query` }],
      ['ShowJobInfo', { method: 'GET', url: `/v1/job/${id}/info` }],
      ['RunJob', { method: 'POST', url: '/v3/jobs/build', payload: { job_id: id } }],
      ['UpdateBuildJob', { method: 'POST', url: '/v3/jobs/update', payload: { ...config, job_id: id } }],
      ['ListUpdateJobHistory', { method: 'GET', url: `/v1/job/${id}/history?page_no=1&page_size=10` }],
    ] as const;

  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    admin = await tokenOf(kiln, ADMIN);
    const projectId = await kiln.defaultProjectId();
    for (const user of [VIEWER, HIDDEN, OUTSIDER]) await createUser(kiln, admin, user.name, user.password);
    await setRole(kiln, admin, projectId, VIEWER.name, 'viewer');
    await setRole(kiln, admin, projectId, HIDDEN.name, 'developer');
    for (const user of [VIEWER, HIDDEN, OUTSIDER]) tokens[user.name] = await tokenOf(kiln, user);
    jobId = await createJob(kiln, admin, projectId, { job_name: 'binned-payroll' });
    config = (await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${jobId}/query` })).json().result;
    // Developers (role id 4) may not even view this job: its own matrix hides it from them.
    const hide = await kiln.call(admin, {
      method: 'POST',
      url: '/v1/job/permissions/batch',
      payload: {
        job_ids: [jobId],
        permissions: [
          {
            role_id: 4,
            ...{ is_view: false, is_execute: false, is_modify: false, is_delete: false },
            ...{ is_copy: false, is_forbidden: false, is_manager: false },
          },
        ],
      },
    });
    expect(hide.statusCode, hide.body).toBe(200);
    const del = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/delete` });
    expect(del.statusCode, del.body).toBe(200);
  });
  afterAll(() => kiln?.close());

  describe('to a caller the recycle bin lists it for', () => {
    for (const [op] of operations(NEVER_EXISTED))
      it(`${op} says the job is in the recycle bin and how to restore it (404 CB.00060201)`, async () => {
        for (const token of [admin, tokens[VIEWER.name]!]) {
          const request = operations(jobId).find(([name]) => name === op)![1];
          const body = expectCodeArtsError(await kiln.call(token, request), 404, 'CB.00060201');
          expect(body.error_msg).toBe(
            `job not found: ${jobId} is in the recycle bin; restore it first (\`kiln bin restore ${jobId}\`, RestoreRecyclingJobs or the dashboard's recycle bin)`,
          );
        }
      });

    it('the viewer indeed finds it in the recycle bin', async () => {
      const bin = await kiln.call(tokens[VIEWER.name]!, {
        method: 'GET',
        url: '/v1/job/recycling-jobs?page_no=1&page_size=50',
      });
      expect(bin.statusCode, bin.body).toBe(200);
      expect(bin.body).toContain(jobId);
    });
  });

  describe('to a caller who may not view it', () => {
    for (const user of [HIDDEN, OUTSIDER])
      it(`${user.name}: every answer is that of a job that never existed`, async () => {
        const token = tokens[user.name]!;
        const bin = await kiln.call(token, {
          method: 'GET',
          url: '/v1/job/recycling-jobs?page_no=1&page_size=50',
        });
        expect(bin.body).not.toContain(jobId);
        const never = operations(NEVER_EXISTED);
        for (const [i, [op, request]] of operations(jobId).entries()) {
          const binned = await kiln.call(token, request);
          const unknown = await kiln.call(token, never[i]![1]);
          expect([op, binned.statusCode, binned.json()]).toEqual([op, unknown.statusCode, unknown.json()]);
          expectCodeArtsError(binned, 404, 'CB.00060201', 'job not found');
        }
      });
  });
});
