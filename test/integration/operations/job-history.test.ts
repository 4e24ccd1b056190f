import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../../helpers/app.ts';
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
import { expectShape } from '../../helpers/shapes.ts';

/**
 * A job's history of changes (ListUpdateJobHistory), the difference between two versions
 * (ShowJobConfigDiff, secrets masked as the caller reads them), and favourites (AddFavouriteTask,
 * RemoverFavouriteTask, `favorite` in the job lists, `favorite=true` to list only those).
 */

const DEV: Credentials = { name: 'dev', password: 'dev-password-1', domain: 'default' };
const VIEWER: Credentials = { name: 'viewer', password: 'viewer-password-1', domain: 'default' };
const SECRET_URL = 'https://deploy:s3cr3t-token@example.com/repo.git';

onEveryStore((store) => {
  describe('job history, diffs and favourites', () => {
    let kiln: TestKiln;
    let admin: string;
    let dev: string;
    let viewer: string;
    let projectId: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      projectId = await kiln.defaultProjectId();
      await createUser(kiln, admin, DEV.name, DEV.password);
      await setRole(kiln, admin, projectId, DEV.name, 'developer');
      await createUser(kiln, admin, VIEWER.name, VIEWER.password);
      await setRole(kiln, admin, projectId, VIEWER.name, 'viewer');
      dev = await tokenOf(kiln, DEV);
      viewer = await tokenOf(kiln, VIEWER);
    });
    afterAll(() => kiln?.close());

    const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      kiln.call(token, { method, url, ...(payload && { payload }) });
    const history = async (token: string, jobId: string, query = '') => {
      const res = await call(token, 'GET', `/v1/job/${jobId}/history${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };

    it('keeps every change with who and when, the latest first, a page at a time', async () => {
      const jobId = await createJob(kiln, admin, projectId, { job_name: 'changing' });
      kiln.clock.advance(1000);
      const update = await call(dev, 'POST', '/v3/jobs/update', {
        job_id: jobId,
        ...jobBody(projectId, { job_name: 'changed' }),
      });
      expect(update.statusCode, update.body).toBe(200);
      kiln.clock.advance(1000);
      expect((await call(dev, 'POST', `/v3/jobs/${jobId}/disable`)).statusCode).toBe(200);
      expect((await call(admin, 'POST', `/v3/jobs/${jobId}/recover`)).statusCode).toBe(200);
      expect((await call(dev, 'POST', `/v3/jobs/${jobId}/delete`)).statusCode).toBe(200);
      const restored = await call(dev, 'POST', '/v1/job/recycling-restoration', { job_ids: [jobId] });
      expect(restored.statusCode, restored.body).toBe(200);

      const all = await history(viewer, jobId);
      expectShape(all, {
        status: 'string',
        error: 'null',
        result: {
          total: 'integer',
          job_update_records: [
            {
              id: 'string',
              update_number: 'integer',
              update_type: 'string',
              user_id: 'string',
              user_name: 'string',
              nick_name: 'string',
              update_at: 'integer',
            },
          ],
        },
      });
      const rows = all.result.job_update_records.map(
        (r: { update_number: number; update_type: string; user_name: string }) => [
          r.update_number,
          r.update_type,
          r.user_name,
        ],
      );
      expect(rows).toEqual([
        [6, 'RESTORE', 'dev'],
        [5, 'DELETE', 'dev'],
        [4, 'ENABLE', 'admin'],
        [3, 'DISABLE', 'dev'],
        [2, 'UPDATE', 'dev'],
        [1, 'CREATE', 'admin'],
      ]);
      expect(all.result.total).toBe(6);
      expect(all.result.job_update_records[4].update_at).toBe(kiln.clock.now() - 1000);
      const page2 = await history(viewer, jobId, '?page_no=2&page_size=4');
      expect(page2.result.job_update_records.map((r: { update_number: number }) => r.update_number)).toEqual([
        2, 1,
      ]);
    });

    it('records no change for disabling a disabled job or enabling an enabled one', async () => {
      const jobId = await createJob(kiln, admin, projectId, { job_name: 'toggled' });
      kiln.clock.advance(1000);
      expect((await call(dev, 'POST', `/v3/jobs/${jobId}/recover`)).statusCode).toBe(200);
      expect((await call(dev, 'POST', `/v3/jobs/${jobId}/disable`)).statusCode).toBe(200);
      const disabledAt = kiln.clock.now();
      kiln.clock.advance(1000);
      // Again, by someone else: the job stays disabled as and when dev disabled it.
      expect((await call(admin, 'POST', `/v1/job/${jobId}/disable`, { disabled: true })).statusCode).toBe(
        200,
      );
      const rows = (await history(viewer, jobId)).result.job_update_records.map(
        (r: { update_number: number; update_type: string; user_name: string }) => [
          r.update_number,
          r.update_type,
          r.user_name,
        ],
      );
      expect(rows).toEqual([
        [2, 'DISABLE', 'dev'],
        [1, 'CREATE', 'admin'],
      ]);
      const state = await call(viewer, 'GET', `/v1/job/${jobId}/check/disable`);
      expect(state.json().result).toMatchObject({ forbiddener: 'dev', forbidden_time: disabledAt });
    });

    it('shows the difference of two versions as a unified diff', async () => {
      const jobId = await createJob(kiln, admin, projectId, {
        job_name: 'diffed',
        steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'make' } }],
      });
      await call(admin, 'POST', '/v3/jobs/update', {
        job_id: jobId,
        ...jobBody(projectId, {
          job_name: 'diffed',
          steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'make all' } }],
        }),
      });
      const res = await call(viewer, 'GET', `/v1/job/${jobId}/diff?original_no=1&revisedl_no=2`);
      expect(res.statusCode, res.body).toBe(200);
      expectShape(res.json(), { result: 'string', status: 'string' });
      const diff: string = res.json().result;
      expect(diff).toContain('--- version 1');
      expect(diff).toContain('+++ version 2');
      expect(diff).toContain('-        "command": "make"');
      expect(diff).toContain('+        "command": "make all"');
      // Nothing else changed: one hunk.
      expect(diff.match(/^@@/gm)).toHaveLength(1);

      const same = await call(viewer, 'GET', `/v1/job/${jobId}/diff?original_no=2&revisedl_no=2`);
      expect(same.json().result).not.toMatch(/^@@/m);
      const missing = await call(viewer, 'GET', `/v1/job/${jobId}/diff?original_no=1&revisedl_no=9`);
      expectCodeArtsError(missing, 404, 'CB.00060404', 'version 9 of this job not found');
      const bad = await call(viewer, 'GET', `/v1/job/${jobId}/diff?original_no=1`);
      expectCodeArtsError(bad, 400, 'CB.00060200', /revisedl_no/);
    });

    it('masks repository credentials in a diff for a viewer, and shows them to a developer', async () => {
      const jobId = await createJob(kiln, admin, projectId, {
        job_name: 'with-credentials',
        scms: [{ url: SECRET_URL, scm_type: 'git', branch: 'main' }],
      });
      await call(admin, 'POST', '/v3/jobs/update', {
        job_id: jobId,
        ...jobBody(projectId, {
          job_name: 'with-credentials',
          scms: [{ url: SECRET_URL, scm_type: 'git', branch: 'release' }],
        }),
      });
      const url = `/v1/job/${jobId}/diff?original_no=1&revisedl_no=2`;
      const forViewer = (await call(viewer, 'GET', url)).json().result as string;
      expect(forViewer).toContain('+      "branch": "release"');
      expect(forViewer).not.toContain('s3cr3t-token');
      expect((await call(dev, 'GET', url)).json().result).toContain('s3cr3t-token');
      // The history keeps the document sealed, as the job row does.
      const stored = await kiln.storage.jobVersions.find(jobId, 2);
      expect(stored?.config).not.toContain('s3cr3t-token');
    });

    it('marks favourites per user and lists them first-class', async () => {
      const liked = await createJob(kiln, admin, projectId, { job_name: 'fav-liked' });
      await createJob(kiln, admin, projectId, { job_name: 'fav-other' });
      const follow = await call(viewer, 'POST', `/v1/job/${liked}/follow`);
      expect(follow.statusCode, follow.body).toBe(200);
      expect(follow.json()).toEqual({ result: { favorite: true }, error: null, status: 'success' });
      // Twice is the same as once.
      expect((await call(viewer, 'POST', `/v1/job/${liked}/follow`)).statusCode).toBe(200);

      const list = async (token: string, query = '') =>
        (await call(token, 'GET', `/v1/job/${projectId}/list?search=fav-${query}`)).json().jobs as {
          job_name: string;
          favorite: boolean;
        }[];
      expect((await list(viewer)).map((j) => [j.job_name, j.favorite])).toEqual([
        ['fav-liked', true],
        ['fav-other', false],
      ]);
      // Someone else's favourites are theirs.
      expect((await list(dev)).map((j) => j.favorite)).toEqual([false, false]);
      expect((await list(viewer, '&favorite=true')).map((j) => j.job_name)).toEqual(['fav-liked']);
      const badFilter = await call(viewer, 'GET', `/v1/job/${projectId}/list?favorite=maybe`);
      expectCodeArtsError(badFilter, 400, 'CB.00060200', /favorite must be one of true, false/);

      const unfollow = await call(viewer, 'POST', `/v1/job/${liked}/unfollow`);
      expect(unfollow.json()).toEqual({ result: { favorite: false }, error: null, status: 'success' });
      expect(await list(viewer, '&favorite=true')).toEqual([]);
    });
  });
});
