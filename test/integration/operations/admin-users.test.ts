import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createUser,
  expectCodeArtsError,
  expectKeystoneError,
  onEveryStore,
  signIn,
  tokenOf,
  type Credentials,
} from '../../helpers/foundation.ts';
import { envelope, expectShape, SHAPES } from '../../helpers/shapes.ts';
import { expectOk, ID32 } from './common.ts';

/**
 * Kiln admin: users and passwords.
 */

onEveryStore((store) => {
  describe('Kiln admin: users and passwords', () => {
    let kiln: TestKiln;
    let admin: string;
    let adminId: string;
    let domainId: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      const me = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result;
      adminId = me.id;
      domainId = me.domain_id;
    });
    afterAll(() => kiln?.close());

    it('CreateUser answers 201 with the user, field for field', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/users',
        payload: { name: 'carol', password: 'carol-password-1' },
      });
      expectOk(res, 201);
      expectShape(res.json(), envelope(SHAPES.user));
      expect(res.json().result).toMatchObject({
        domain_id: domainId,
        name: 'carol',
        display_name: 'carol',
        is_admin: false,
        disabled: false,
        created_at: kiln.clock.now(),
      });
      expect(res.json().result.id).toMatch(ID32);
      expect(res.body).not.toContain('carol-password-1');
    });

    it('CreateUser takes a display name and the admin flag', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/users',
        payload: { name: 'dave', password: 'dave-password-1', display_name: 'Dave D.', is_admin: true },
      });
      expectOk(res, 201);
      expect(res.json().result).toMatchObject({ display_name: 'Dave D.', is_admin: true });
    });

    it.each([
      ['a taken name', { name: 'admin', password: 'whatever-1' }, 409, 'CB.00060409', /admin/],
      ['a name with spaces', { name: 'bad name', password: 'whatever-1' }, 400, 'CB.00060200', /name/],
      ['a short password', { name: 'shorty', password: 'short' }, 400, 'CB.00060200', /password/],
      ['no password', { name: 'nopass' }, 400, 'CB.00060200', /password/],
    ] as const)('CreateUser answers %s with %i %s', async (_label, payload, status, code, field) => {
      const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/users', payload });
      expectCodeArtsError(res, status, code, field);
    });

    it('ListUsers lists the domain users, field for field', async () => {
      await createUser(kiln, admin, 'listed', 'listed-password-1');
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users' });
      expectOk(res);
      expectShape(res.json(), envelope({ users: [SHAPES.user] }));
      const names = res.json().result.users.map((u: { name: string }) => u.name);
      expect(names).toEqual(expect.arrayContaining(['admin', 'listed']));
    });

    it('ShowCurrentUser shows the caller', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' });
      expectOk(res);
      expectShape(res.json(), envelope(SHAPES.user));
      expect(res.json().result).toMatchObject({
        id: adminId,
        name: 'admin',
        is_admin: true,
        disabled: false,
      });
    });

    it('refuses ListUsers, CreateUser, UpdateUser and SetUserPassword to a plain user with 403', async () => {
      await createUser(kiln, admin, 'plain', 'plain-password-1');
      const plain = await tokenOf(kiln, { name: 'plain', password: 'plain-password-1', domain: 'default' });
      for (const req of [
        { method: 'GET', url: '/v1/kiln/users' },
        { method: 'POST', url: '/v1/kiln/users', payload: { name: 'x1', password: 'x1-password-1' } },
        { method: 'PUT', url: '/v1/kiln/users/carol', payload: { display_name: 'C' } },
        { method: 'PUT', url: '/v1/kiln/users/carol/password', payload: { password: 'new-password-1' } },
      ] as const) {
        expectCodeArtsError(await kiln.call(plain, req), 403, 'CB.00060403');
      }
    });

    it('UpdateUser changes a user named by login name or by id', async () => {
      const id = await createUser(kiln, admin, 'erin', 'erin-password-1');
      const byName = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/erin',
        payload: { display_name: 'Erin E.' },
      });
      expectOk(byName);
      expectShape(byName.json(), envelope(SHAPES.user));
      expect(byName.json().result).toMatchObject({ id, display_name: 'Erin E.' });
      const byId = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/users/${id}`,
        payload: { display_name: 'Erin' },
      });
      expectOk(byId);
      expect(byId.json().result.display_name).toBe('Erin');
    });

    it('UpdateUser answers an unknown user with 404 CB.00060404', async () => {
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/nobody',
        payload: { display_name: 'N' },
      });
      expectCodeArtsError(res, 404, 'CB.00060404');
    });

    it('disabling a user kills their tokens and sign-in; enabling lets them sign in again, old tokens stay dead', async () => {
      const who: Credentials = { name: 'frank', password: 'frank-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const old = await tokenOf(kiln, who);
      const off = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/frank',
        payload: { disabled: true },
      });
      expectOk(off);
      expect(off.json().result.disabled).toBe(true);
      expectCodeArtsError(
        await kiln.call(old, { method: 'GET', url: '/v1/kiln/users/me' }),
        401,
        'APIGW.0301',
      );
      expectKeystoneError(await signIn(kiln, who), 401);

      const on = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/frank',
        payload: { disabled: false },
      });
      expectOk(on);
      expect(on.json().result.disabled).toBe(false);
      const fresh = await tokenOf(kiln, who);
      expectOk(await kiln.call(fresh, { method: 'GET', url: '/v1/kiln/users/me' }));
      expectCodeArtsError(
        await kiln.call(old, { method: 'GET', url: '/v1/kiln/users/me' }),
        401,
        'APIGW.0301',
      );
    });

    it('does not let an admin disable themselves (400)', async () => {
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/admin',
        payload: { disabled: true },
      });
      expectCodeArtsError(res, 400, 'CB.00060200');
      expectOk(await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' }));
    });

    it('making a user an administrator takes effect on their current token', async () => {
      const who: Credentials = { name: 'gina', password: 'gina-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const token = await tokenOf(kiln, who);
      const create = {
        method: 'POST',
        url: '/v1/kiln/users',
        payload: { name: 'by-gina', password: 'by-gina-password' },
      } as const;
      expectCodeArtsError(await kiln.call(token, create), 403, 'CB.00060403');
      expectOk(
        await kiln.call(admin, { method: 'PUT', url: '/v1/kiln/users/gina', payload: { is_admin: true } }),
      );
      expectOk(await kiln.call(token, create), 201);
    });

    it('SetUserPassword answers {status: "success"}, kills the old tokens and the old password', async () => {
      const who: Credentials = { name: 'hank', password: 'hank-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const old = await tokenOf(kiln, who);
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/hank/password',
        payload: { password: 'hank-password-2' },
      });
      expectOk(res);
      expect(res.json()).toEqual({ status: 'success' });
      expectCodeArtsError(
        await kiln.call(old, { method: 'GET', url: '/v1/kiln/users/me' }),
        401,
        'APIGW.0301',
      );
      expectKeystoneError(await signIn(kiln, who), 401);
      await tokenOf(kiln, { ...who, password: 'hank-password-2' });
      // The administrator's own tokens are not touched.
      expectOk(await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' }));
    });

    it('SetUserPassword answers a short password with 400 naming password, and leaves the old one', async () => {
      const who: Credentials = { name: 'ivy', password: 'ivy-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/ivy/password',
        payload: { password: 'short' },
      });
      expectCodeArtsError(res, 400, 'CB.00060200', /password/);
      await tokenOf(kiln, who);
    });

    it('ChangeOwnPassword answers {status: "success"} and kills every token of the caller, the one used too', async () => {
      const who: Credentials = { name: 'jack', password: 'jack-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const used = await tokenOf(kiln, who);
      const other = await tokenOf(kiln, who, 'domain');
      const res = await kiln.call(used, {
        method: 'POST',
        url: '/v1/kiln/users/me/password',
        payload: { old_password: who.password, new_password: 'jack-password-2' },
      });
      expectOk(res);
      expect(res.json()).toEqual({ status: 'success' });
      for (const t of [used, other]) {
        expectCodeArtsError(
          await kiln.call(t, { method: 'GET', url: '/v1/kiln/users/me' }),
          401,
          'APIGW.0301',
        );
      }
      expectKeystoneError(await signIn(kiln, who), 401);
      await tokenOf(kiln, { ...who, password: 'jack-password-2' });
      expectOk(await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' }));
    });

    it.each([
      [
        'a wrong old password',
        { old_password: 'not-it-at-all', new_password: 'kate-password-2' },
        /old_password/,
      ],
      ['a short new password', { old_password: 'kate-password-1', new_password: 'short' }, /new_password/],
      ['no old password', { new_password: 'kate-password-2' }, /old_password/],
    ])(
      'ChangeOwnPassword answers %s with 400 naming the field, and the token lives on',
      async (_label, payload, field) => {
        const who: Credentials = { name: 'kate', password: 'kate-password-1', domain: 'default' };
        const exists = await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users' });
        if (!exists.json().result.users.some((u: { name: string }) => u.name === 'kate'))
          await createUser(kiln, admin, who.name, who.password);
        const token = await tokenOf(kiln, who);
        const res = await kiln.call(token, { method: 'POST', url: '/v1/kiln/users/me/password', payload });
        expectCodeArtsError(res, 400, 'CB.00060200', field);
        expectOk(await kiln.call(token, { method: 'GET', url: '/v1/kiln/users/me' }));
      },
    );
  });
});
