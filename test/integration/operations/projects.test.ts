import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createProject,
  createUser,
  expectCodeArtsError,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
} from '../../helpers/foundation.ts';
import { expectShape, SHAPES } from '../../helpers/shapes.ts';
import { expectOk } from './common.ts';

/**
 * Projects: ShowRelatedProject and ListRelatedProjectInfo.
 */

onEveryStore((store) => {
  describe('Projects: ShowRelatedProject and ListRelatedProjectInfo', () => {
    let kiln: TestKiln;
    let admin: string;
    let adminId: string;
    let domainId: string;
    const ids: Record<string, string> = {};
    const MEMBER: Credentials = { name: 'member', password: 'member-password-1', domain: 'default' };

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      const me = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result;
      adminId = me.id;
      domainId = me.domain_id;
      ids.default = await kiln.defaultProjectId();
      for (const name of ['p1', 'p2', 'p3', 'p4']) ids[name] = await createProject(kiln, admin, name);
      await createUser(kiln, admin, MEMBER.name, MEMBER.password);
      await setRole(kiln, admin, ids.p2 as string, MEMBER.name, 'developer');
    });
    afterAll(() => kiln?.close());

    it("ShowRelatedProject lists a domain admin's projects, field for field", async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/domain/project/related' });
      expectOk(res);
      const body = res.json();
      expectShape(body, SHAPES.relatedProjects);
      expect(body.status).toBe('success');
      expect(body.result.total).toBe(5);
      const list = body.result.project_info_list as Record<string, unknown>[];
      expect(list.map((p) => p.name).sort()).toEqual(['default', 'p1', 'p2', 'p3', 'p4']);
      for (const p of list) {
        expect(p.identifier).toBe(ids[p.name as string]);
        expect(p.author_id).toBe(adminId);
        expect(p.is_creator).toBe(true);
        expect(p.author_domain_id).toBe(domainId);
      }
    });

    it('ShowRelatedProject lists only the projects a plain user is a member of', async () => {
      const res = await kiln.call(await tokenOf(kiln, MEMBER), {
        method: 'GET',
        url: '/v1/domain/project/related',
      });
      expectOk(res);
      expectShape(res.json(), SHAPES.relatedProjects);
      expect(res.json().result.total).toBe(1);
      expect(res.json().result.project_info_list).toEqual([
        { identifier: ids.p2, name: 'p2', author_id: adminId, is_creator: false, author_domain_id: domainId },
      ]);
    });

    it('ListRelatedProjectInfo pages with a 1-based page_no, every page telling the true total', async () => {
      const seen: string[] = [];
      const sizes: number[] = [];
      for (const pageNo of [1, 2, 3, 4]) {
        const res = await kiln.call(admin, {
          method: 'GET',
          url: `/v1/domain/project/related-page?page_no=${pageNo}&page_size=2`,
        });
        expectOk(res);
        expectShape(res.json(), SHAPES.relatedProjectsPage);
        expect(res.json().result.total).toBe(5);
        const list = res.json().result.project_info_list as { identifier: string; status: number }[];
        sizes.push(list.length);
        seen.push(...list.map((p) => p.identifier));
      }
      expect(sizes).toEqual([2, 2, 1, 0]);
      expect(new Set(seen).size).toBe(5);
      expect([...seen].sort()).toEqual(Object.values(ids).sort());
    });

    it('ListRelatedProjectInfo defaults to the first page of 10', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/domain/project/related-page' });
      expectOk(res);
      expect(res.json().result.project_info_list).toHaveLength(5);
    });

    it('ListRelatedProjectInfo filters by search', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/domain/project/related-page?search=p3' });
      expectOk(res);
      expect(res.json().result.total).toBe(1);
      expect(res.json().result.project_info_list[0].name).toBe('p3');
    });

    it.each([
      ['page_no=0', /page_no/],
      ['page_no=-1', /page_no/],
      ['page_no=1e3', /page_no/],
      ['page_no=1.5', /page_no/],
      ['page_no=1&page_no=2', /page_no/],
      ['page_size=0', /page_size/],
      ['page_size=101', /page_size/],
      ['page_size=ten', /page_size/],
    ])(
      'ListRelatedProjectInfo answers %s with 400 CB.00060200 naming the parameter',
      async (query, field) => {
        const res = await kiln.call(admin, {
          method: 'GET',
          url: `/v1/domain/project/related-page?${query}`,
        });
        expectCodeArtsError(res, 400, 'CB.00060200', field);
      },
    );
  });
});
