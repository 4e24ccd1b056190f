import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createDomain,
  createJob,
  createUser,
  expectCodeArtsError,
  importRecords,
  onEveryStore,
  recordLine,
  setRole,
  tokenOf,
} from '../../helpers/foundation.ts';

/**
 * The tenant operations (reference A.10) as a self-hosted server answers them: nothing charged,
 * no quota, in service; the domains a caller may see; what a role allows in a project
 * (ShowProjectPermission), with the reference's fields and types.
 */

onEveryStore((store) => {
  describe('tenant operations', () => {
    let kiln: TestKiln;
    let admin: string;
    let project: string;
    let otherDomain: { domain_id: string };

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      project = await kiln.defaultProjectId();
      otherDomain = await createDomain(kiln, admin, 'tenant-b', 'root', 'Root-pass-123');
    });
    afterAll(() => kiln?.close());

    const get = async (url: string, token = admin) => {
      const res = await kiln.call(token, { method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };

    it('says the domain is in service, charged nothing, with no quota', async () => {
      expect(await get('/v1/domain/charge-type')).toEqual({
        result: { type: 'SELF_HOSTED', charge_type: 'NONE', main_resource_list: [] },
        error: null,
        status: 'success',
      });
      expect(await get('/v1/domain/status')).toEqual({
        result: { status: 1, free_quota: false, allow_custom_env: 1 },
        error: null,
        status: 'success',
      });
      expect(await get(`/v1/domain/package/quota?project_id=${project}`)).toEqual({
        result: { is_over_quota: false, build_quota: 'unlimit', used_quota: '' },
        error: null,
        status: 'success',
      });
      expectCodeArtsError(
        await kiln.call(admin, {
          method: 'GET',
          url: `/v1/domain/package/quota?project_id=${'a'.repeat(32)}`,
        }),
        404,
        'CB.00060404',
      );
    });

    it('offers DEFAULT and the pools of the enabled runners of an arch (ShowAvailableInnerSpec)', async () => {
      const specs = async (arch: string) =>
        (await get(`/v2/resource/spec?project_id=${project}&arch=${arch}`)) as string[];
      expect(await specs('x86-64')).toEqual([]);
      const created = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/runners',
        payload: { name: 'arm-box' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const runnerId = created.json().result.runner.id as string;
      // What runners announce when they start (the runner protocol's hello).
      await kiln.storage.runners.putTools({
        runnerId: `remote:${runnerId}`,
        host: 'arm-box',
        tools: {},
        arch: 'arm64',
        pool: 'gpu',
        reportedAt: Date.now(),
      });
      await kiln.storage.runners.putTools({
        runnerId: 'local:server-a',
        host: 'server-a',
        tools: { node: '20.19.0', git: '2.39.5' },
        arch: 'x64',
        pool: null,
        reportedAt: Date.now(),
      });
      expect(await specs('x86-64')).toEqual(['DEFAULT']);
      expect(await specs('arm')).toEqual(['DEFAULT', 'gpu']);
      const disabled = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/runners/${runnerId}`,
        payload: { disabled: true },
      });
      expect(disabled.statusCode, disabled.body).toBe(200);
      expect(await specs('arm')).toEqual([]);
      // The environments on offer are the enabled runners, with what they announced.
      // The environments on offer are the places of the enabled runners, with their tools, and no
      // runner's id or host, whoever asks.
      await createUser(kiln, admin, 'tenant-dev', 'Dev-pass-123');
      const plain = await tokenOf(kiln, { name: 'tenant-dev', password: 'Dev-pass-123', domain: 'default' });
      const templates = await get('/v1/image/templates', plain);
      expect(templates.result.image_templates).toEqual([
        {
          image_id: 'x64',
          organization: 'kiln',
          image_name: 'x64',
          image_label: 'x64',
          base_image: '',
          title: 'Runners: x64',
          description: 'git 2.39.5, node 20.19.0',
          create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      ]);
      expect(JSON.stringify(templates)).not.toContain('server-a');
      // Its Dockerfile installs the same tools from Debian's packages and names the runners' versions.
      const dockerfile = await kiln.call(plain, {
        method: 'GET',
        url: '/v1/image/dockerfile-template?image_id=x64',
      });
      expect(dockerfile.statusCode, dockerfile.body).toBe(200);
      expect(dockerfile.headers['content-type']).toBe('application/octet-stream');
      expect(dockerfile.body).toContain('#   git 2.39.5\n#   node 20.19.0\n');
      expect(dockerfile.body).toContain('FROM --platform=linux/amd64 debian:bookworm-slim\n');
      expect(dockerfile.body).toContain(
        'apt-get install -y --no-install-recommends ca-certificates git nodejs',
      );
      expectCodeArtsError(
        await kiln.call(plain, { method: 'GET', url: '/v1/image/dockerfile-template?image_id=arm64' }),
        404,
        'CB.00060404',
        /no build environment arm64: ShowImageTemplateList names them \(x64\)/,
      );
      const countdown = await kiln.call(admin, {
        method: 'POST',
        url: '/v2/resource/countdown',
        payload: { service_type: 'CodeArtsBuild', resource_id: 'r', reminder_day: '7' },
      });
      expect(countdown.json()).toEqual({ status: 'success', error: null, result: [] });
      expectCodeArtsError(
        await kiln.call(admin, { method: 'GET', url: `/v2/resource/spec?project_id=${project}&arch=mips` }),
        400,
        'CB.00060200',
      );
    });

    it('sums up the jobs the caller may view (ShowSummaryBuildJobInfo)', async () => {
      const summary = async (token = admin) => (await get('/v1/domain/job-summary', token)).result.summary;
      const before = await summary();
      expect(Object.keys(before).sort()).toEqual([
        'avg_success_ratio',
        'build_no',
        'job_total',
        'version_total',
      ]);
      const job = await createJob(kiln, admin, project, { job_name: 'summed' });
      // Three finished builds in the last 30 days (one failed), and one older success.
      const now = kiln.clock.now();
      await importRecords(kiln, admin, job, [
        recordLine(1, { start_time: now - 40 * 86_400_000 }),
        recordLine(2, { start_time: now - 3 * 86_400_000 }),
        recordLine(3, { start_time: now - 2 * 86_400_000, state: 'FAILURE' }),
        recordLine(4, { start_time: now - 86_400_000 }),
      ]);
      const after = await summary();
      expect(after.job_total).toBe(before.job_total + 1);
      expect(after.build_no).toBe(before.build_no + 4);
      expect(after.version_total).toBe(before.version_total);
      expect(before).toMatchObject({ build_no: 0, avg_success_ratio: 0 });
      expect(after.avg_success_ratio).toBe(67);
      // A viewer the job's matrix keeps from it does not count it.
      await createUser(kiln, admin, 'summary-viewer', 'Viewer-pass-1');
      await setRole(kiln, admin, project, 'summary-viewer', 'viewer');
      const viewer = await tokenOf(kiln, {
        name: 'summary-viewer',
        password: 'Viewer-pass-1',
        domain: 'default',
      });
      const seen = await summary(viewer);
      await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/permissions/batch',
        payload: { job_ids: [job], permissions: [{ role_id: 7, is_view: false }] },
      });
      expect(await summary(viewer)).toMatchObject({
        job_total: seen.job_total - 1,
        build_no: seen.build_no - 4,
      });
    });

    it('lists the statuses of the domains the caller may see', async () => {
      const statuses = async (token: string, payload: object) => {
        const res = await kiln.call(token, { method: 'POST', url: '/v1/domain/domains-statuses', payload });
        expect(res.statusCode, res.body).toBe(200);
        return res.json().result as Record<string, unknown>[];
      };
      const mine = await statuses(admin, {});
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        service_name: 'Kiln',
        domain_name: 'default',
        status: 1,
        region: 'local',
        package_type: 'SELF_HOSTED',
        domain_malicious_docker_args: null,
        spec_threshold: '[]',
      });
      expect(Object.keys(mine[0]!)).toHaveLength(15);
      // An administrator of the default domain sees any; another domain's administrator only theirs.
      const both = await statuses(admin, {
        domain_ids: `${otherDomain.domain_id},${String(mine[0]!.domain_id)}`,
      });
      expect(both.map((d) => d.domain_name).sort()).toEqual(['default', 'tenant-b']);
      const root = await tokenOf(kiln, { name: 'root', password: 'Root-pass-123', domain: 'tenant-b' });
      const theirs = await statuses(root, {
        domain_ids: `${otherDomain.domain_id},${String(mine[0]!.domain_id)}`,
      });
      expect(theirs.map((d) => d.domain_name)).toEqual(['tenant-b']);
    });

    it('says what each role allows in the project (ShowProjectPermission)', async () => {
      await createUser(kiln, admin, 'tenant-viewer', 'Viewer-pass-1');
      await setRole(kiln, admin, project, 'tenant-viewer', 'viewer');
      const viewer = await tokenOf(kiln, {
        name: 'tenant-viewer',
        password: 'Viewer-pass-1',
        domain: 'default',
      });
      const url = `/v1/domain/user-permission?project_id=${project}`;
      expect(await get(url)).toEqual({
        result: {
          project_id: project,
          create_permission: true,
          modify_permission: true,
          group_permission: true,
          delete_permission: true,
          view_permission: true,
          execute_permission: true,
          copy_permission: true,
          forbidden_permission: true,
          manager_permission: true,
          role_id: '-1',
          role_name: 'project_admin',
          role_ids: ['-1'],
          role_names: ['project_admin'],
        },
        error: null,
        status: 'success',
      });
      expect((await get(url, viewer)).result).toMatchObject({
        create_permission: false,
        group_permission: false,
        view_permission: true,
        execute_permission: false,
        manager_permission: false,
        role_id: '7',
        role_name: 'viewer',
      });
    });
  });
});
