import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln, jobBody } from '../../helpers/app.ts';
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
} from '../../helpers/foundation.ts';

/**
 * Per-job permissions (reference A.4): ShowProjectJobPermission, ShowJobRolePermission,
 * ShowDefaultProjectPermission, BatchUpdateJobRolePermission, ApplyProjectPermission,
 * CheckJobInternal, with their fields and types; the matrix enforced on every gated operation for
 * each role (each role × each operation, allowed exactly when its row says so), the creator row,
 * owners never locked out, the `is_*` flags of the lists computed from it.
 */

type Permission = 'view' | 'execute' | 'modify' | 'delete' | 'copy' | 'forbidden' | 'manager';
const PERMISSIONS: Permission[] = ['view', 'execute', 'modify', 'delete', 'copy', 'forbidden', 'manager'];
const FLAG_FIELDS = PERMISSIONS.map((p) => `is_${p}`);
type Flags = Record<Permission, boolean>;
const flags = (allowed: Permission[]): Flags =>
  Object.fromEntries(PERMISSIONS.map((p) => [p, allowed.includes(p)])) as Flags;
const asBody = (f: Flags) => Object.fromEntries(PERMISSIONS.map((p) => [`is_${p}`, f[p]]));

const DEV = { name: 'perm-dev', password: 'Dev-pass-1', domain: 'default' };
const VIEWER = { name: 'perm-viewer', password: 'Viewer-pass-1', domain: 'default' };
const MAKER = { name: 'perm-maker', password: 'Maker-pass-1', domain: 'default' };

onEveryStore((store) => {
  describe('per-job permissions', () => {
    let kiln: TestKiln;
    let admin: string;
    let dev: string;
    let viewer: string;
    let project: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      project = await createProject(kiln, admin, 'permissions');
      for (const [user, role] of [
        [DEV, 'developer'],
        [VIEWER, 'viewer'],
        [MAKER, 'developer'],
      ] as const) {
        await createUser(kiln, admin, user.name, user.password);
        await setRole(kiln, admin, project, user.name, role);
      }
      dev = await tokenOf(kiln, DEV);
      viewer = await tokenOf(kiln, VIEWER);
    });
    afterAll(() => kiln?.close());

    const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      kiln.call(token, { method, url, ...(payload && { payload }) });
    const setMatrix = async (jobIds: string[], rows: { role_id: number; set: Flags }[], token = admin) =>
      call(token, 'POST', '/v1/job/permissions/batch', {
        project_id: project,
        job_ids: jobIds,
        permissions: rows.map((r) => ({ id: 0, role_id: r.role_id, ...asBody(r.set), count: 0 })),
      });

    /** One operation each permission gates, on a job of its own where it changes the job. */
    const attempt: Record<Permission, (token: string, job: string) => Promise<LightMyRequestResponse>> = {
      view: (t, job) => call(t, 'GET', `/v3/jobs/${job}/query`),
      execute: (t, job) => call(t, 'POST', '/v3/jobs/build', { job_id: job }),
      modify: (t, job) =>
        call(t, 'POST', '/v3/jobs/update', {
          job_id: job,
          ...jobBody(project, { job_name: `changed-${job}` }),
        }),
      delete: (t, job) => call(t, 'POST', `/v3/jobs/${job}/delete`),
      copy: (t, job) =>
        call(t, 'POST', '/v1/job/copy', {
          ...jobBody(project, { job_name: `copy-${job}-${Math.random().toString(36).slice(2)}` }),
          copy_job_id: job,
        }),
      forbidden: (t, job) => call(t, 'POST', `/v3/jobs/${job}/disable`),
      manager: (t, job) =>
        call(t, 'POST', '/v1/job/project/permission', {
          job_id: job,
          project_id: project,
          project_switch: false,
        }),
    };
    /** Whom each permission is checked for: a fresh job per attempt, with `rows` as its matrix. */
    const expectMatrix = async (rows: { role_id: number; set: Flags }[], who: [string, Flags][]) => {
      for (const [token, allowed] of who)
        for (const p of PERMISSIONS) {
          const job = await createJob(kiln, admin, project, {
            job_name: `m-${p}-${Math.random().toString(36).slice(2)}`,
          });
          if (rows.length > 0) expect((await setMatrix([job], rows)).statusCode).toBe(200);
          const res = await attempt[p](token, job);
          if (allowed[p]) expect(res.statusCode, `${p}: ${res.body}`).toBe(200);
          else expectCodeArtsError(res, 403, 'CB.00060403', /your permissions on this job do not allow/);
        }
    };

    it("follows the project's matrix by default: developers all but manager, viewers view, owners all", async () => {
      await expectMatrix(
        [],
        [
          [admin, flags(PERMISSIONS)],
          [dev, flags(['view', 'execute', 'modify', 'delete', 'copy', 'forbidden'])],
          [viewer, flags(['view'])],
        ],
      );
    });

    it('enforces a job’s own matrix on each operation for each role', async () => {
      const developer = flags(['view', 'modify', 'forbidden', 'copy']);
      const viewing = flags(['view', 'execute', 'manager']);
      await expectMatrix(
        [
          { role_id: 4, set: developer },
          { role_id: 7, set: viewing },
        ],
        [
          [admin, flags(PERMISSIONS)],
          [dev, developer],
          [viewer, viewing],
        ],
      );
    });

    it('answers the reference fields and types, and the lists carry the flags', async () => {
      const job = await createJob(kiln, admin, project, { job_name: 'shown' });
      const defaults = await call(
        viewer,
        'GET',
        `/v1/job/project/default-permission?project_id=${project}&job_id=${job}`,
      );
      expect(defaults.statusCode, defaults.body).toBe(200);
      expect(defaults.json()).toMatchObject({ error: null, status: 'success' });
      const rows = defaults.json().result as Record<string, unknown>[];
      expect(rows.map((r) => [r.role_id, r.role_name])).toEqual([
        [-1, 'project_admin'],
        [4, 'developer'],
        [7, 'viewer'],
        [-3, 'creator'],
      ]);
      expect(Object.keys(rows[0]!).sort()).toEqual(['role_id', 'role_name', ...FLAG_FIELDS].sort());

      expect((await setMatrix([job], [{ role_id: 7, set: flags(['view', 'execute']) }])).json()).toEqual({
        status: 'success',
        error: null,
        result: null,
      });
      const matrix = await call(viewer, 'GET', `/v1/job/permission/role?job_id=${job}`);
      expect(matrix.statusCode, matrix.body).toBe(200);
      const byRole = Object.fromEntries(
        (matrix.json().result as Record<string, unknown>[]).map((r) => [r.role_name, r]),
      );
      expect(Object.keys(byRole.viewer!).sort()).toEqual(
        [
          'id',
          'role_id',
          'role_name',
          'job_id',
          'create_time',
          'last_update_time',
          'count',
          ...FLAG_FIELDS,
        ].sort(),
      );
      expect(byRole.viewer).toMatchObject({
        role_id: 7,
        job_id: job,
        is_view: true,
        is_execute: true,
        is_modify: false,
        count: 1,
      });
      expect(byRole.developer).toMatchObject({ is_modify: true, is_manager: false, count: 2 });
      expect(byRole.viewer!.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);

      const mine = await call(viewer, 'GET', `/v1/job/permission?project_id=${project}&job_id=${job}`);
      expect(mine.statusCode, mine.body).toBe(200);
      expect(Object.keys(mine.json().result).sort()).toEqual(
        ['role_id', 'job_id', 'create_time', 'last_update_time', 'count', ...FLAG_FIELDS].sort(),
      );
      expect(mine.json().result).toMatchObject({ role_id: 7, is_execute: true, is_delete: false });
      expect(
        (await call(admin, 'GET', `/v1/job/permission?project_id=${project}&job_id=${job}`)).json().result,
      ).toMatchObject({
        role_id: -1,
        is_manager: true,
      });

      // The lists compute the flags from the same matrix.
      const listed = await call(
        viewer,
        'GET',
        `/v1/job/${project}/list?page_index=0&page_size=100&search=shown`,
      );
      expect(listed.json().jobs[0]).toMatchObject({
        is_view: true,
        is_execute: true,
        is_modify: false,
        is_delete: false,
      });
      const info = await call(viewer, 'GET', `/v1/job/${job}/info`);
      expect(info.json().result).toMatchObject({
        is_execute: true,
        is_manager: false,
        project_permission_switch: false,
      });

      const internal = await call(viewer, 'GET', '/v1/job/permission/internal');
      expect(internal.json()).toEqual({ result: false, error: null, status: 'success' });
    });

    it("switches between the project's matrix and the job's own, keeping the own one", async () => {
      const job = await createJob(kiln, admin, project, { job_name: 'switched' });
      await setMatrix([job], [{ role_id: 7, set: flags(['view', 'execute']) }]);
      expect((await attempt.execute(viewer, job)).statusCode).toBe(200);
      const toProject = await call(admin, 'POST', '/v1/job/project/permission', {
        job_id: job,
        project_switch: true,
      });
      expect(toProject.json()).toEqual({ status: 'success', error: null, result: null });
      expect((await attempt.execute(viewer, job)).statusCode).toBe(403);
      expect((await call(viewer, 'GET', `/v1/job/${job}/info`)).json().result.project_permission_switch).toBe(
        true,
      );
      await call(admin, 'POST', '/v1/job/project/permission', { job_id: job, project_switch: false });
      expect((await attempt.execute(viewer, job)).statusCode).toBe(200);
      // A change while the job follows its project starts from the project's matrix: the viewer
      // row the job kept from before does not come back with it.
      await call(admin, 'POST', '/v1/job/project/permission', { job_id: job, project_switch: true });
      expect((await setMatrix([job], [{ role_id: 4, set: flags(['view', 'execute']) }])).statusCode).toBe(
        200,
      );
      expect((await attempt.execute(viewer, job)).statusCode).toBe(403);
      expect((await attempt.modify(dev, job)).statusCode).toBe(403);
    });

    it("copies a job's secrets only for someone who may modify it", async () => {
      const job = await createJob(kiln, admin, project, {
        job_name: 'with-credentials',
        scms: [{ url: 'https://bot:s3cret@example.com/repo.git', scm_type: 'git', branch: 'main' }],
      });
      await setMatrix([job], [{ role_id: 4, set: flags(['view', 'copy']) }]);
      const read = (await call(dev, 'GET', `/v3/jobs/${job}/query`)).json().result;
      expect(JSON.stringify(read)).not.toContain('s3cret');
      const copy = (body: object) => call(dev, 'POST', '/v1/job/copy', { ...body, copy_job_id: job });
      expectCodeArtsError(
        await copy({ ...read, job_name: 'stolen' }),
        403,
        'CB.00060403',
        /needs permission to change the job/,
      );
      const fresh = await copy({
        ...read,
        job_name: 'own-credentials',
        scms: [{ url: 'https://me:mine@example.com/repo.git', scm_type: 'git', branch: 'main' }],
      });
      expect(fresh.statusCode, fresh.body).toBe(200);
    });

    it("gives the creator row to the job's creator whatever their role, and locks no owner out", async () => {
      const maker = await tokenOf(kiln, MAKER);
      const job = await createJob(kiln, maker, project, { job_name: 'made' });
      await setMatrix([job], [{ role_id: -3, set: flags(['view', 'modify']) }]);
      await setRole(kiln, admin, project, MAKER.name, 'viewer');
      expect((await attempt.modify(maker, job)).statusCode).toBe(200);
      expect((await attempt.execute(maker, job)).statusCode).toBe(403);
      // Another viewer is not the creator.
      expect((await attempt.modify(viewer, job)).statusCode).toBe(403);

      expectCodeArtsError(
        await setMatrix([job], [{ role_id: -1, set: flags(['view']) }]),
        400,
        'CB.00060200',
        /owners' permissions/,
      );
      // A CodeArts role Kiln does not have (its matrices name 0, 3, 5, 6...) changes nothing.
      expect((await setMatrix([job], [{ role_id: 5, set: flags(PERMISSIONS) }])).statusCode).toBe(200);
      expect((await attempt.execute(viewer, job)).statusCode).toBe(403);
      expectCodeArtsError(
        await setMatrix([job], [{ role_id: 4, set: flags(['execute']) }]),
        400,
        'CB.00060200',
        /grants execute but not view/,
      );
      // A developer may not change permissions until given manager on the job; then they may.
      expectCodeArtsError(await setMatrix([job], [{ role_id: 7, set: flags([]) }], dev), 403, 'CB.00060403');
      await setMatrix([job], [{ role_id: 4, set: flags(['view', 'manager']) }]);
      expect((await setMatrix([job], [{ role_id: 7, set: flags([]) }], dev)).statusCode).toBe(200);
      // A viewer without view sees nothing of the job, its history included.
      expectCodeArtsError(await attempt.view(viewer, job), 403, 'CB.00060403', /see this job/);
      expectCodeArtsError(
        await call(
          viewer,
          'GET',
          `/v3/jobs/${job}/build-info-records?start_time=2023-11-01%2000%3A00%3A00&end_time=2023-11-30%2023%3A59%3A59`,
        ),
        403,
        'CB.00060403',
      );
      // The lists and ShowLastHistory leave out a job the caller may not view.
      const names = async (token: string) =>
        (await call(token, 'GET', `/v1/job/${project}/list?page_index=0&page_size=100`)).json() as {
          jobs: { id: string }[];
          total: number;
        };
      const seen = await names(viewer);
      expect(seen.jobs.map((j) => j.id)).not.toContain(job);
      expect(seen.total).toBe(seen.jobs.length);
      expect((await names(dev)).jobs.map((j) => j.id)).toContain(job);
      await importRecords(kiln, admin, job, [recordLine(1)]);
      const last = (token: string) =>
        call(token, 'GET', `/v3/jobs/${project}/last-history?repository_name=repo`);
      expect((await last(dev)).json().job_id).toBe(job);
      expectCodeArtsError(await last(viewer), 404, 'CB.00060404', /no job of this project has built/);
      const other0 = await createJob(kiln, admin, project, { job_name: 'visible-to-all' });
      const everywhere = await call(viewer, 'GET', '/v1/job/list?page_index=0&page_size=100');
      expect(everywhere.json().result.job_list.map((j: { id: string }) => j.id)).not.toContain(job);
      expect(everywhere.json().result.job_list.map((j: { id: string }) => j.id)).toContain(other0);
      // All jobs of a batch change, or none: the job dev manages stays as it was.
      const other = await createJob(kiln, admin, project, { job_name: 'untouched' });
      expectCodeArtsError(
        await setMatrix([job, other], [{ role_id: 7, set: flags(['view', 'execute']) }], dev),
        403,
        'CB.00060403',
      );
      expectCodeArtsError(await attempt.view(viewer, job), 403, 'CB.00060403', /see this job/);
    });
  });
});
