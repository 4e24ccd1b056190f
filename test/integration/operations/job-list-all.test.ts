import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  expectCodeArtsError,
  importRecords,
  onEveryStore,
  recordLine,
  setRole,
  tokenOf,
  type Credentials,
} from '../../helpers/foundation.ts';
import { expectShape } from '../../helpers/shapes.ts';

/**
 * ListJob (`GET /v1/job/list`): the jobs of every project the caller can see, with the project
 * lists' filters, sort and paging, each with its project and its last build's source.
 */

const VIEWER: Credentials = { name: 'lister', password: 'lister-password-1', domain: 'default' };

const ITEM = {
  id: 'string',
  job_name: 'string',
  job_creator: 'string',
  user_id: 'string',
  user_name: 'string',
  nick_name: 'string',
  project_id: 'string',
  project_name: 'string',
  last_build_time: 'number',
  health_score: 'integer',
  source_code: 'string',
  last_build_status: 'string',
  last_job_running_status: 'string',
  last_build_user: 'string',
  last_build_user_id: 'string',
  is_finished: 'boolean',
  disabled: 'boolean',
  favorite: 'boolean',
  is_modify: 'boolean',
  is_delete: 'boolean',
  is_view: 'boolean',
  is_execute: 'boolean',
  is_copy: 'boolean',
  is_forbidden: 'boolean',
  task_id: 'string',
  code_branch: 'string',
  commit_id: 'string',
  trigger_type: 'string',
  build_time: 'integer',
  scm_web_url: 'string',
  scm_type: 'string',
  repo_id: 'string',
  commit_detail_url: 'string',
  build_number: 'string',
  forbidden_msg: 'string',
  build_project_id: 'string',
  build_type: 'string',
  tag: 'string',
  project_permission_switch: 'boolean',
} as const;

onEveryStore((store) => {
  describe('ListJob', () => {
    let kiln: TestKiln;
    let admin: string;
    let viewer: string;
    let seen: string;
    let hidden: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      seen = await createProject(kiln, admin, 'seen-project');
      // Made by another administrator: the admin below is not a member, and sees it as admin only.
      await createUser(kiln, admin, 'other-admin', 'other-admin-password-1', { is_admin: true });
      const otherAdmin = await tokenOf(kiln, {
        name: 'other-admin',
        password: 'other-admin-password-1',
        domain: 'default',
      });
      hidden = await createProject(kiln, otherAdmin, 'hidden-project');
      await createUser(kiln, admin, VIEWER.name, VIEWER.password);
      await setRole(kiln, admin, seen, VIEWER.name, 'viewer');
      viewer = await tokenOf(kiln, VIEWER);
      for (const [project, name] of [
        [seen, 'alpha-app'],
        [seen, 'beta-app'],
        [seen, 'gamma-lib'],
        [hidden, 'secret-app'],
      ] as const)
        ids[name] = await createJob(kiln, project === hidden ? otherAdmin : admin, project, {
          job_name: name,
        });
      await importRecords(kiln, admin, ids['beta-app']!, [
        recordLine(1),
        recordLine(2, { state: 'FAILURE', code_branch: 'release', commit_id: 'c0ffee' }),
      ]);
      const disabled = await kiln.call(admin, {
        method: 'POST',
        url: `/v1/job/${ids['gamma-lib']}/disable`,
        payload: { disabled: true, reason: 'moved to another job' },
      });
      expect(disabled.statusCode, disabled.body).toBe(200);
    });
    afterAll(() => kiln?.close());

    const list = async (token: string, query = '') => {
      const res = await kiln.call(token, { method: 'GET', url: `/v1/job/list${query}` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const names = (body: { result: { job_list: { job_name: string }[] } }) =>
      body.result.job_list.map((j) => j.job_name);

    it('lists the jobs of the projects the caller is a member of, with the reference fields and types', async () => {
      const body = await list(viewer, '?page_size=100');
      expectShape(body, { result: { total: 'integer', job_list: [ITEM] }, status: 'string' });
      expect(body.status).toBe('success');
      expect(names(body)).toEqual(['alpha-app', 'beta-app', 'gamma-lib']);
      expect(body.result.total).toBe(3);
      const beta = body.result.job_list[1];
      expect(beta).toMatchObject({
        id: ids['beta-app'],
        task_id: expect.stringMatching(/^#\d{8}\.\d+$/),
        project_id: seen,
        project_name: 'seen-project',
        build_number: '2',
        code_branch: 'release',
        commit_id: 'c0ffee',
        build_type: 'branch',
        tag: '',
        last_build_status: 'red',
        user_name: 'admin',
        // A viewer may look, not change.
        is_view: true,
        is_modify: false,
        is_execute: false,
      });
      expect(body.result.job_list[0]).toMatchObject({ build_number: '', code_branch: '' });
      expect(body.result.job_list[2]).toMatchObject({
        disabled: true,
        forbidden_msg: 'moved to another job',
      });
    });

    it('shows an administrator every project of the domain', async () => {
      const body = await list(admin, '?page_size=100&search=app');
      expect(names(body)).toEqual(['alpha-app', 'beta-app', 'secret-app']);
      expect(body.result.job_list[2]).toMatchObject({ project_name: 'hidden-project', is_modify: true });
    });

    it("shows another domain's administrator none of this domain's jobs", async () => {
      const made = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/domains',
        payload: { name: 'elsewhere', admin_name: 'admin', admin_password: 'elsewhere-password-1' },
      });
      expect(made.statusCode, made.body).toBe(201);
      const theirs = await tokenOf(kiln, {
        name: 'admin',
        password: 'elsewhere-password-1',
        domain: 'elsewhere',
      });
      const body = await list(theirs, '?page_size=100');
      expect(body.result.job_list).toEqual([]);
      expect(body.result.total).toBe(0);
    });

    it('filters, sorts and pages like the project lists', async () => {
      expect(names(await list(viewer, '?search=APP'))).toEqual(['alpha-app', 'beta-app']);
      expect(names(await list(viewer, '?sort_order=DESC&page_size=2'))).toEqual(['gamma-lib', 'beta-app']);
      const second = await list(viewer, '?sort_order=DESC&page_size=2&page_index=1');
      expect(names(second)).toEqual(['alpha-app']);
      expect(second.result.total).toBe(3);
      expect(names(await list(viewer, '?build_status=red'))).toEqual(['beta-app']);
      expect(names(await list(viewer, '?build_status=none'))).toEqual(['alpha-app', 'gamma-lib']);
      const stranger = await createUser(kiln, admin, 'nobody-here', 'nobody-password-1').then(() =>
        tokenOf(kiln, { name: 'nobody-here', password: 'nobody-password-1', domain: 'default' }),
      );
      expect(await list(stranger)).toEqual({ result: { total: 0, job_list: [] }, status: 'success' });
    });

    it('refuses a filter or sort it does not know, naming the valid ones', async () => {
      const res = await kiln.call(viewer, { method: 'GET', url: '/v1/job/list?build_status=purple' });
      expectCodeArtsError(res, 400, 'CB.00060200', /build_status must be one of/);
      const sort = await kiln.call(viewer, { method: 'GET', url: '/v1/job/list?sort_field=colour' });
      expectCodeArtsError(sort, 400, 'CB.00060200', /sort_field/);
    });
  });
});
