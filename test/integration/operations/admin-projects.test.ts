import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  expectCodeArtsError,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
} from '../../helpers/foundation.ts';
import { envelope, expectShape, SHAPES } from '../../helpers/shapes.ts';
import { expectOk, ID32 } from './common.ts';

/**
 * Kiln admin: projects, members and roles.
 */

onEveryStore((store) => {
  describe('Kiln admin: projects, members and roles', () => {
    let kiln: TestKiln;
    let admin: string;
    let adminId: string;
    const DANA: Credentials = { name: 'dana', password: 'dana-password-1', domain: 'default' };
    const BOSS: Credentials = { name: 'boss', password: 'boss-password-1', domain: 'default' };

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      adminId = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result.id;
      await createUser(kiln, admin, DANA.name, DANA.password);
      await createUser(kiln, admin, BOSS.name, BOSS.password, { is_admin: true });
    });
    afterAll(() => kiln?.close());

    it('CreateProject answers 201 with the project, and the creator becomes its owner', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/projects',
        payload: { name: 'shop', description: 'the web shop' },
      });
      expectOk(res, 201);
      expectShape(res.json(), envelope(SHAPES.project));
      const project = res.json().result;
      expect(project).toMatchObject({
        name: 'shop',
        description: 'the web shop',
        creator_id: adminId,
        created_at: kiln.clock.now(),
      });
      expect(project.id).toMatch(ID32);
      const members = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/kiln/projects/${project.id}/members`,
      });
      expectOk(members);
      expectShape(members.json(), envelope({ members: [SHAPES.member] }));
      expect(members.json().result.members).toEqual([
        { user_id: adminId, user_name: 'admin', display_name: 'admin', role: 'owner' },
      ]);
    });

    it('CreateProject defaults the description to ""', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/projects',
        payload: { name: 'bare' },
      });
      expectOk(res, 201);
      expect(res.json().result.description).toBe('');
    });

    it.each([
      ['a taken name', { name: 'default' }, 409, 'CB.00060409'],
      ['an empty name', { name: '' }, 400, 'CB.00060200'],
      ['a blank name', { name: '   ' }, 400, 'CB.00060200'],
      ['no name', {}, 400, 'CB.00060200'],
    ] as const)('CreateProject answers %s with %i %s', async (_label, payload, status, code) => {
      const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/projects', payload });
      expectCodeArtsError(res, status, code);
    });

    it('CreateProject is for domain administrators only (403)', async () => {
      const res = await kiln.call(await tokenOf(kiln, DANA), {
        method: 'POST',
        url: '/v1/kiln/projects',
        payload: { name: 'mine' },
      });
      expectCodeArtsError(res, 403, 'CB.00060403');
    });

    it('SetMember answers with the membership, field for field', async () => {
      const project = await createProject(kiln, admin, 'members-shape');
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/projects/${project}/members/dana`,
        payload: { role: 'developer' },
      });
      expectOk(res);
      expectShape(res.json(), envelope(SHAPES.member));
      expect(res.json().result).toMatchObject({ user_name: 'dana', display_name: 'dana', role: 'developer' });
    });

    it.each([
      ['an unknown role', 'dana', { role: 'king' }, 400, 'CB.00060200', /role/],
      ['an unknown user', 'nobody', { role: 'viewer' }, 404, 'CB.00060404', undefined],
      ['no role', 'dana', {}, 400, 'CB.00060200', /role/],
    ] as const)('SetMember answers %s with %i %s', async (_label, user, payload, status, code, message) => {
      const project = await kiln.defaultProjectId();
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/projects/${project}/members/${user}`,
        payload,
      });
      expectCodeArtsError(res, status, code, message);
    });

    it('RemoveMember answers a user who is not a member with 404 CB.00060404', async () => {
      const project = await createProject(kiln, admin, 'nobody-here');
      const res = await kiln.call(admin, {
        method: 'DELETE',
        url: `/v1/kiln/projects/${project}/members/dana`,
      });
      expectCodeArtsError(res, 404, 'CB.00060404');
    });

    it('role changes take effect on the same token: none -> viewer -> developer -> owner -> removed', async () => {
      const project = await createProject(kiln, admin, 'ladder');
      const dana = await tokenOf(kiln, DANA);
      // A plain user to manage (an administrator's membership is for administrators alone).
      await createUser(kiln, admin, 'rung', 'rung-password-1');
      const list = { method: 'GET', url: `/v3/${project}/jobs` } as const;
      const create = (name: string) =>
        ({ method: 'POST', url: '/v3/jobs/create', payload: jobBody(project, { job_name: name }) }) as const;
      const manage = {
        method: 'PUT',
        url: `/v1/kiln/projects/${project}/members/rung`,
        payload: { role: 'viewer' },
      } as const;
      const related = async () =>
        (await kiln.call(dana, { method: 'GET', url: '/v1/domain/project/related' }))
          .json()
          .result.project_info_list.map((p: { identifier: string }) => p.identifier);

      // Not a member: the project does not exist for her.
      expectCodeArtsError(await kiln.call(dana, list), 404, 'CB.00060404');
      expect(await related()).not.toContain(project);

      await setRole(kiln, admin, project, 'dana', 'viewer');
      expectOk(await kiln.call(dana, list));
      expect(await related()).toContain(project);
      expectCodeArtsError(await kiln.call(dana, create('by-viewer')), 403, 'CB.00060403');
      expectCodeArtsError(await kiln.call(dana, manage), 403, 'CB.00060403');

      await setRole(kiln, admin, project, 'dana', 'developer');
      expectOk(await kiln.call(dana, create('by-developer')));
      expectCodeArtsError(await kiln.call(dana, manage), 403, 'CB.00060403');

      await setRole(kiln, admin, project, 'dana', 'owner');
      expectOk(await kiln.call(dana, manage));

      const removed = await kiln.call(admin, {
        method: 'DELETE',
        url: `/v1/kiln/projects/${project}/members/dana`,
      });
      expectOk(removed);
      expect(removed.json()).toEqual({ status: 'success' });
      expectCodeArtsError(await kiln.call(dana, list), 404, 'CB.00060404');
      expect(await related()).not.toContain(project);
    });

    it('a developer can change and delete jobs but not manage members', async () => {
      const project = await createProject(kiln, admin, 'dev-rights');
      await setRole(kiln, admin, project, 'dana', 'developer');
      const dana = await tokenOf(kiln, DANA);
      const job = await createJob(kiln, admin, project, { job_name: 'theirs' });
      expectOk(await kiln.call(dana, { method: 'POST', url: `/v3/jobs/${job}/disable` }));
      expectOk(await kiln.call(dana, { method: 'POST', url: `/v3/jobs/${job}/recover` }));
      expectOk(
        await kiln.call(dana, {
          method: 'POST',
          url: '/v3/jobs/update',
          payload: { ...jobBody(project, { job_name: 'renamed' }), job_id: job },
        }),
      );
      expectOk(await kiln.call(dana, { method: 'POST', url: `/v3/jobs/${job}/delete` }));
      expectCodeArtsError(
        await kiln.call(dana, { method: 'DELETE', url: `/v1/kiln/projects/${project}/members/admin` }),
        403,
        'CB.00060403',
      );
    });

    it('a domain administrator acts as owner in every project of the domain without being a member', async () => {
      const project = await createProject(kiln, admin, 'not-boss-s');
      const boss = await tokenOf(kiln, BOSS);
      const members = await kiln.call(boss, { method: 'GET', url: `/v1/kiln/projects/${project}/members` });
      expectOk(members);
      expect(members.json().result.members.map((m: { user_name: string }) => m.user_name)).not.toContain(
        'boss',
      );
      expectOk(await kiln.call(boss, { method: 'GET', url: `/v3/${project}/jobs` }));
      expectOk(
        await kiln.call(boss, {
          method: 'POST',
          url: '/v3/jobs/create',
          payload: jobBody(project, { job_name: 'by-boss' }),
        }),
      );
      expectOk(
        await kiln.call(boss, {
          method: 'PUT',
          url: `/v1/kiln/projects/${project}/members/dana`,
          payload: { role: 'viewer' },
        }),
      );
      const related = await kiln.call(boss, { method: 'GET', url: '/v1/domain/project/related' });
      const entry = related
        .json()
        .result.project_info_list.find((p: { identifier: string }) => p.identifier === project);
      expect(entry).toMatchObject({ name: 'not-boss-s', is_creator: false });
    });
  });
});
