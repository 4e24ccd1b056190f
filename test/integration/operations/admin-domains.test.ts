import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createDomain,
  createUser,
  expectCodeArtsError,
  onEveryStore,
  signIn,
  tokenOf,
  type Credentials,
} from '../../helpers/foundation.ts';
import { envelope, expectShape, SHAPES } from '../../helpers/shapes.ts';
import { expectOk, ID32 } from './common.ts';

/**
 * Kiln admin: domains.
 */

onEveryStore((store) => {
  describe('Kiln admin: domains', () => {
    let kiln: TestKiln;
    let admin: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
    });
    afterAll(() => kiln?.close());

    it('CreateDomain answers 201 with the domain, and its administrator can sign in to it', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/domains',
        payload: { name: 'acme', admin_name: 'admin', admin_password: 'acme-password-1' },
      });
      expectOk(res, 201);
      expectShape(res.json(), envelope(SHAPES.domain));
      const domain = res.json().result;
      expect(domain.name).toBe('acme');
      for (const id of [domain.domain_id, domain.admin_user_id, domain.iam_project_id])
        expect(id).toMatch(ID32);

      // Same login name as the default admin: the domain tells them apart.
      const acme: Credentials = { name: 'admin', password: 'acme-password-1', domain: 'acme' };
      const signed = await signIn(kiln, acme);
      expectOk(signed, 201);
      expect(signed.json().token.user).toMatchObject({
        id: domain.admin_user_id,
        domain: { id: domain.domain_id, name: 'acme' },
      });
      expect(signed.json().token.project.id).toBe(domain.iam_project_id);

      const token = String(signed.headers['x-subject-token']);
      const me = await kiln.call(token, { method: 'GET', url: '/v1/kiln/users/me' });
      expect(me.json().result).toMatchObject({
        id: domain.admin_user_id,
        domain_id: domain.domain_id,
        is_admin: true,
      });
      const related = await kiln.call(token, { method: 'GET', url: '/v1/domain/project/related' });
      expectOk(related);
      expect(related.json().result.project_info_list.map((p: { name: string }) => p.name)).not.toContain(
        'default',
      );
      const users = await kiln.call(token, { method: 'GET', url: '/v1/kiln/users' });
      expect(users.json().result.users.map((u: { id: string }) => u.id)).toEqual([domain.admin_user_id]);
    });

    it.each([
      [
        'a taken name',
        { name: 'default', admin_name: 'root', admin_password: 'root-password-1' },
        409,
        'CB.00060409',
      ],
      [
        'a name with spaces',
        { name: 'bad name', admin_name: 'root', admin_password: 'root-password-1' },
        400,
        'CB.00060200',
      ],
      [
        'a short admin password',
        { name: 'tiny', admin_name: 'root', admin_password: 'short' },
        400,
        'CB.00060200',
      ],
      ['no admin name', { name: 'headless', admin_password: 'root-password-1' }, 400, 'CB.00060200'],
    ] as const)('CreateDomain answers %s with %i %s', async (_label, payload, status, code) => {
      const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/domains', payload });
      expectCodeArtsError(res, status, code);
    });

    it('CreateDomain is for administrators of the default domain only (403)', async () => {
      await createUser(kiln, admin, 'pleb', 'pleb-password-1');
      const pleb = await tokenOf(kiln, { name: 'pleb', password: 'pleb-password-1', domain: 'default' });
      const res = await kiln.call(pleb, {
        method: 'POST',
        url: '/v1/kiln/domains',
        payload: { name: 'mine', admin_name: 'root', admin_password: 'root-password-1' },
      });
      expectCodeArtsError(res, 403, 'CB.00060403');
      await createDomain(kiln, admin, 'second', 'root', 'root-password-1');
      const root = await tokenOf(kiln, { name: 'root', password: 'root-password-1', domain: 'second' });
      const again = await kiln.call(root, {
        method: 'POST',
        url: '/v1/kiln/domains',
        payload: { name: 'third', admin_name: 'root', admin_password: 'root-password-1' },
      });
      expectCodeArtsError(again, 403, 'CB.00060403');
    });
  });
});
