import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../../helpers/app.ts';
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
import { expectShape, SHAPES } from '../../helpers/shapes.ts';
import { expectOk, ID32 } from './common.ts';

/**
 * Jobs: create, read, change, disable, list and delete.
 */

onEveryStore((store) => {
  describe('Jobs: create, read, change, disable, list and delete', () => {
    let kiln: TestKiln;
    let admin: string;
    let adminId: string;
    let projectId: string;
    const VIEWER: Credentials = { name: 'viewer', password: 'viewer-password-1', domain: 'default' };

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      adminId = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result.id;
      projectId = await kiln.defaultProjectId();
      await createUser(kiln, admin, VIEWER.name, VIEWER.password);
      await setRole(kiln, admin, projectId, VIEWER.name, 'viewer');
    });
    afterAll(() => kiln?.close());

    /** A job document using most of the create body of the reference. */
    const richDoc = (name: string) =>
      jobBody(projectId, {
        job_name: name,
        auto_update_sub_module: 'false',
        flavor: '2u8g',
        host_type: 'devcloud',
        parameters: [
          {
            name: 'hudson.model.StringParameterDefinition',
            params: [
              { name: 'name', value: 'TARGET' },
              { name: 'defaultValue', value: 'release' },
              { name: 'description', value: 'what to build' },
            ],
          },
        ],
        timeout: { limit: '30', unit: 'MINUTES' },
        scms: [
          {
            url: 'https://example.com/repo.git',
            scm_type: 'git',
            branch: 'main',
            web_url: 'https://example.com/repo',
            is_auto_build: false,
            build_type: 'branch',
            depth: '1',
          },
        ],
        steps: [
          { module_id: 'kiln.shell', name: 'compile', properties: { command: 'make' }, enable: true },
          { module_id: 'kiln.shell', name: 'test', properties: { command: 'make test' }, version: '1' },
        ],
        triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '0 3 * * *' }] }],
      });

    it.each([
      ['CreateBuildJob', '/v3/jobs/create'],
      ['CreateNewJob', '/v1/job/create'],
    ])('%s answers 200 {result: {job_id}, error: null, status: "success"}', async (op, url) => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url,
        payload: jobBody(projectId, { job_name: `made-by-${op}` }),
      });
      expectOk(res);
      expectShape(res.json(), SHAPES.jobIdResult);
      expect(res.json().status).toBe('success');
      expect(res.json().result.job_id).toMatch(ID32);
    });

    it.each([
      ['ListJobConfig', (id: string) => `/v3/jobs/${id}/query`],
      ['ShowJobConfig', (id: string) => `/v1/job/${id}/config`],
    ])('%s gives back the document the job was created with', async (op, url) => {
      const doc = richDoc(`config-${op}`);
      const id = await createJob(kiln, admin, projectId, doc);
      const res = await kiln.call(admin, { method: 'GET', url: url(id) });
      expectOk(res);
      expect(res.json()).toEqual({ result: doc, error: null, status: 'success' });
    });

    it.each([
      ['ListJobConfig', (id: string) => `/v3/jobs/${id}/query`],
      ['ShowJobConfig', (id: string) => `/v1/job/${id}/config`],
    ])(
      '%s leaves out the optional fields a job never set, and its answer updates the job to itself',
      async (op, url) => {
        // The reference's CreateBuildJobRequestBody requires arch, project_id, job_name and steps (and
        // url, scm_type of an scm); its ListJobConfig example leaves group_id, timeout, triggers,
        // build_config_type and build_if_code_updated out.
        const body = {
          project_id: projectId,
          job_name: `bare-${op}`,
          scms: [{ url: 'https://example.com/repo.git', scm_type: 'git' }],
          steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'make' } }],
        };
        const id = await createJob(kiln, admin, projectId, body);
        const shown = (await kiln.call(admin, { method: 'GET', url: url(id) })).json();
        expect(shown).toEqual({ result: { arch: 'x86-64', ...body }, error: null, status: 'success' });
        const update = await kiln.call(admin, {
          method: 'POST',
          url: '/v3/jobs/update',
          payload: { ...shown.result, job_id: id },
        });
        expectOk(update);
        expect((await kiln.call(admin, { method: 'GET', url: url(id) })).json()).toEqual(shown);
      },
    );

    it.each([
      ['UpdateBuildJob', '/v3/jobs/update'],
      ['UpdateNewJob', '/v1/job/update'],
    ])('%s replaces the document and answers with the job id', async (op, url) => {
      const id = await createJob(kiln, admin, projectId, { job_name: `before-${op}` });
      const changed = jobBody(projectId, {
        job_name: `after-${op}`,
        steps: [{ module_id: 'kiln.shell', name: 'other', properties: { command: 'echo changed' } }],
      });
      const res = await kiln.call(admin, { method: 'POST', url, payload: { ...changed, job_id: id } });
      expectOk(res);
      expectShape(res.json(), SHAPES.jobIdResult);
      expect(res.json().result.job_id).toBe(id);
      const config = await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${id}/query` });
      expect(config.json().result).toEqual(changed);
    });

    it('UpdateBuildJob keeps timeout and triggers, which its body cannot carry', async () => {
      const doc = richDoc('keeps-triggers');
      const id = await createJob(kiln, admin, projectId, doc);
      const { timeout: _t, triggers: _tr, ...updateDoc } = doc;
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...updateDoc, job_id: id },
      });
      expectOk(res);
      const config = (await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${id}/query` })).json().result;
      expect(config.timeout).toEqual(doc.timeout);
      expect(config.triggers).toEqual(doc.triggers);
    });

    it('UpdateBuildJob answers an unknown job with 404 CB.00060201 "job not found"', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...jobBody(projectId), job_id: 'f'.repeat(32) },
      });
      expectCodeArtsError(res, 404, 'CB.00060201', 'job not found');
    });

    it('UpdateBuildJob answers a malformed job_id with 400 CB.00060201 naming job_id', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...jobBody(projectId), job_id: 'NOT-A-JOB-ID' },
      });
      expectCodeArtsError(res, 400, 'CB.00060201', /job_id/);
    });

    it('UpdateBuildJob refuses to move a job to another project (400 naming project_id)', async () => {
      const id = await createJob(kiln, admin, projectId, { job_name: 'stays-home' });
      const elsewhere = await createProject(kiln, admin, 'elsewhere');
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...jobBody(elsewhere, { job_name: 'stays-home' }), job_id: id },
      });
      expectCodeArtsError(res, 400, 'CB.00060200', /project_id/);
    });

    it('DeleteBuildJob answers {result: {job_id, project_id}, status} and the job is gone', async () => {
      const id = await createJob(kiln, admin, projectId, { job_name: 'delete-v3' });
      const res = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${id}/delete` });
      expectOk(res);
      expectShape(res.json(), SHAPES.deleteBuildJob);
      expect(res.json()).toEqual({ result: { job_id: id, project_id: projectId }, status: 'success' });
      expectCodeArtsError(
        await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${id}/query` }),
        404,
        'CB.00060201',
        new RegExp(`^job not found: ${id} is in the recycle bin`),
      );
      const list = await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs?page_size=100` });
      expect(list.json().jobs.map((j: { id: string }) => j.id)).not.toContain(id);
      expectCodeArtsError(
        await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${id}/delete` }),
        404,
        'CB.00060201',
        new RegExp(`^job not found: ${id} is in the recycle bin`),
      );
    });

    it('DeleteTheJob (v1) answers {result: {job_id, project_id}, status, error: null} and the job is gone', async () => {
      const id = await createJob(kiln, admin, projectId, { job_name: 'delete-v1' });
      const res = await kiln.call(admin, { method: 'DELETE', url: `/v1/job/${id}/delete` });
      expectOk(res);
      expectShape(res.json(), SHAPES.deleteTheJob);
      expect(res.json()).toEqual({
        result: { job_id: id, project_id: projectId },
        status: 'success',
        error: null,
      });
      expectCodeArtsError(
        await kiln.call(admin, { method: 'GET', url: `/v1/job/${id}/config` }),
        404,
        'CB.00060201',
        new RegExp(`^job not found: ${id} is in the recycle bin`),
      );
    });

    it('DisableBuildJob and EnableBuildJob answer {status: "success"} and the list shows the state', async () => {
      const id = await createJob(kiln, admin, projectId, { job_name: 'switchable' });
      const row = async () =>
        (await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs?page_size=100` }))
          .json()
          .jobs.find((j: { id: string }) => j.id === id);

      const off = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${id}/disable` });
      expectOk(off);
      expect(off.json()).toEqual({ status: 'success' });
      expect(await row()).toMatchObject({ disabled: true, is_execute: false });

      const on = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${id}/recover` });
      expectOk(on);
      expect(on.json()).toEqual({ status: 'success' });
      expect(await row()).toMatchObject({ disabled: false, is_execute: true });
    });

    it('ShowJobListByProjectId lists jobs field for field: a job never built, and one with history', async () => {
      const project = await createProject(kiln, admin, 'listed');
      const fresh = await createJob(kiln, admin, project, { job_name: 'fresh' });
      const built = await createJob(kiln, admin, project, {
        job_name: 'built',
        scms: [
          {
            url: 'https://example.com/r.git',
            scm_type: 'github',
            web_url: 'https://example.com/r',
            repo_id: '42',
          },
        ],
      });
      await importRecords(kiln, admin, built, [
        recordLine(1, { state: 'SUCCESS' }),
        recordLine(2, { state: 'FAILURE', build_time: 5000, cost_time: 6000 }),
      ]);
      const res = await kiln.call(admin, {
        method: 'GET',
        url: `/v3/${project}/jobs?page_index=0&page_size=10`,
      });
      expectOk(res);
      const body = res.json();
      expectShape(body, { jobs: [SHAPES.jobListItem], total: 'integer' });
      expect(body.total).toBe(2);
      const byName = Object.fromEntries(body.jobs.map((j: { job_name: string }) => [j.job_name, j]));
      expect(byName.fresh).toMatchObject({
        id: fresh,
        job_creator: adminId,
        user_name: 'admin',
        last_build_time: 0,
        health_score: 100,
        last_build_status: 'notbuilt',
        disabled: false,
        is_view: true,
        is_modify: true,
        is_delete: true,
        is_execute: true,
        scm_type: 'git',
      });
      expect(byName.built).toMatchObject({
        id: built,
        last_build_time: 1_700_000_000_000 + 2 * 60_000,
        health_score: 50,
        last_build_status: 'red',
        is_finished: true,
        last_build_user: 'admin',
        trigger_type: 'Manual',
        build_time: 5000,
        scm_type: 'github',
        scm_web_url: 'https://example.com/r',
        repo_id: '42',
        last_job_running_status: 'Finished',
      });
    });

    it("ShowJobListByProjectId sets the permission flags from the caller's role", async () => {
      const res = await kiln.call(await tokenOf(kiln, VIEWER), {
        method: 'GET',
        url: `/v3/${projectId}/jobs`,
      });
      expectOk(res);
      expect(res.json().jobs.length).toBeGreaterThan(0);
      for (const job of res.json().jobs) {
        expect(job).toMatchObject({ is_view: true, is_modify: false, is_delete: false, is_execute: false });
      }
    });

    it('ShowJobListByProjectId pages with a 0-based page_index', async () => {
      const project = await createProject(kiln, admin, 'paged');
      const made = [];
      for (const name of ['a', 'b', 'c'])
        made.push(await createJob(kiln, admin, project, { job_name: name }));
      const page = async (index: number) =>
        (
          await kiln.call(admin, {
            method: 'GET',
            url: `/v3/${project}/jobs?page_index=${index}&page_size=2`,
          })
        ).json();
      const [p0, p1, p2] = [await page(0), await page(1), await page(2)];
      expect([p0.total, p1.total, p2.total]).toEqual([3, 3, 3]);
      expect([p0.jobs.length, p1.jobs.length, p2.jobs.length]).toEqual([2, 1, 0]);
      const ids = [...p0.jobs, ...p1.jobs].map((j: { id: string }) => j.id);
      expect(ids.sort()).toEqual(made.sort());
    });

    it.each([
      'page_size=101',
      'page_size=-1',
      'page_index=-1',
      'page_index=1e3',
      'page_index=0.5',
      'page_index=0&page_index=1',
    ])('ShowJobListByProjectId answers %s with 400 CB.00060200', async (query) => {
      const res = await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs?${query}` });
      expectCodeArtsError(res, 400, 'CB.00060200', new RegExp(query.split('=')[0] as string));
    });

    it('ListProjectJobs (v1) lists the same rows and filters by search', async () => {
      const project = await createProject(kiln, admin, 'searchable');
      const alpha1 = await createJob(kiln, admin, project, { job_name: 'alpha-one' });
      const alpha2 = await createJob(kiln, admin, project, { job_name: 'alpha-two' });
      await createJob(kiln, admin, project, { job_name: 'beta' });

      const all = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/job/${project}/list?page_index=0&page_size=10`,
      });
      expectOk(all);
      expectShape(all.json(), { jobs: [SHAPES.jobListItem], total: 'integer' });
      expect(all.json().total).toBe(3);
      const v3 = await kiln.call(admin, {
        method: 'GET',
        url: `/v3/${project}/jobs?page_index=0&page_size=10`,
      });
      expect(all.json()).toEqual(v3.json());

      const found = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/job/${project}/list?page_index=0&page_size=10&search=alpha`,
      });
      expectOk(found);
      expect(found.json().total).toBe(2);
      expect(
        found
          .json()
          .jobs.map((j: { id: string }) => j.id)
          .sort(),
      ).toEqual([alpha1, alpha2].sort());
    });

    it('ListProjectJobs (v1) filters by creator and last build status and sorts as asked', async () => {
      const project = await createProject(kiln, admin, 'filtered');
      const green = await createJob(kiln, admin, project, { job_name: 'b-green' });
      const red = await createJob(kiln, admin, project, { job_name: 'a-red' });
      const never = await createJob(kiln, admin, project, { job_name: 'c-never' });
      await importRecords(kiln, admin, green, [recordLine(1, { state: 'FAILURE' }), recordLine(2)]);
      await importRecords(kiln, admin, red, [recordLine(1), recordLine(5, { state: 'FAILURE' })]);
      const list = async (query: string) => {
        const res = await kiln.call(admin, {
          method: 'GET',
          url: `/v1/job/${project}/list?page_index=0&page_size=10&${query}`,
        });
        expectOk(res);
        const body = res.json() as { jobs: { id: string; job_creator: string }[]; total: number };
        expect(body.total).toBe(body.jobs.length);
        return body.jobs.map((j) => j.id);
      };
      expect(await list('')).toEqual([red, green, never]);
      expect(await list('build_status=blue')).toEqual([green]);
      expect(await list('build_status=RED')).toEqual([red]);
      expect(await list('build_status=none')).toEqual([never]);
      expect(await list('build_status=building')).toEqual([]);
      expect(await list('sort_field=job_name&sort_order=DESC')).toEqual([never, green, red]);
      // Build 5 of a-red started after build 2 of b-green; c-never never did.
      expect(await list('sort_field=last_build_time&sort_order=desc')).toEqual([red, green, never]);
      // Never built counts as oldest: first ascending, last descending; a tie in the sort field goes by
      // name in the same order, so DESC is ASC reversed, page boundaries included.
      expect(await list('sort_field=last_build_time&sort_order=ASC')).toEqual([never, green, red]);
      const tied = await createJob(kiln, admin, project, { job_name: 'd-tied' });
      await importRecords(kiln, admin, tied, [recordLine(5)]);
      expect(await list('sort_field=last_build_time')).toEqual([never, green, red, tied]);
      expect(await list('sort_field=last_build_time&sort_order=DESC')).toEqual([tied, red, green, never]);
      expectOk(await kiln.call(admin, { method: 'DELETE', url: `/v1/job/${tied}/delete` }));
      // A name sorts whatever its case: 'B-amber' between 'a-red' and 'b-green', not before both.
      const upper = await createJob(kiln, admin, project, { job_name: 'B-amber' });
      expect(await list('sort_field=job_name')).toEqual([red, upper, green, never]);
      expect(await list('sort_field=job_name&sort_order=desc')).toEqual([never, green, upper, red]);
      expectOk(await kiln.call(admin, { method: 'DELETE', url: `/v1/job/${upper}/delete` }));
      const creator = (
        await kiln.call(admin, { method: 'GET', url: `/v1/job/${project}/list?page_index=0&page_size=1` })
      ).json().jobs[0].job_creator as string;
      expect(await list(`creator_id=${creator}`)).toEqual([red, green, never]);
      expect(await list(`creator_id=${'f'.repeat(32)}`)).toEqual([]);

      for (const [query, named] of [
        ['build_status=green', /build_status must be one of red, blue, timeout, aborted, building, none/],
        ['sort_field=colour', /sort_field must be one of job_name, last_build_time, create_time/],
        ['sort_order=up', /sort_order must be one of asc, desc/],
      ] as const) {
        const res = await kiln.call(admin, {
          method: 'GET',
          url: `/v1/job/${project}/list?page_index=0&page_size=10&${query}`,
        });
        expectCodeArtsError(res, 400, 'CB.00060200', named);
      }
    });

    it('answers a job in an unknown project with 404 CB.00060404', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody('e'.repeat(32)),
      });
      expectCodeArtsError(res, 404, 'CB.00060404');
    });
  });
});
