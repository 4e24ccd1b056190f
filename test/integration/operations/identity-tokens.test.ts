import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createUser,
  expectCodeArtsError,
  expectKeystoneError,
  onEveryStore,
  revoke,
  signIn,
  tokenOf,
  tokenRequest,
  type Credentials,
} from '../../helpers/foundation.ts';
import { expectShape, tokenShape } from '../../helpers/shapes.ts';
import { DAY_MS, expectOk, ID32 } from './common.ts';

/**
 * Identity: signing in (KeystoneCreateUserTokenByPassword), and showing and revoking tokens
 * (KeystoneValidateToken, KeystoneRevokeToken).
 */

const KEYSTONE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The `auth` of a sign-in body, loosely typed so that a test can break it. */
interface SignInAuth {
  identity: { methods: string[]; password: { user: { name?: string } } };
  scope?: Record<string, Record<string, string>>;
}

/** Keystone time (microseconds) -> epoch ms. */
function keystoneMs(text: string): number {
  return Date.parse(text.replace(/(\.\d{3})\d*Z$/, '$1Z'));
}

onEveryStore((store) => {
  describe('Identity: KeystoneCreateUserTokenByPassword', () => {
    let kiln: TestKiln;
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
    });
    afterAll(() => kiln?.close());

    it('issues a project-scoped token: 201, the token in X-Subject-Token, a Keystone body with project and catalog', async () => {
      const res = await signIn(kiln, ADMIN, 'project');
      expectOk(res, 201);
      const token = res.headers['x-subject-token'];
      expect(typeof token).toBe('string');
      // 256 random bits are at least 43 characters of base64.
      expect(String(token).length).toBeGreaterThanOrEqual(43);
      const body = res.json();
      expectShape(body, tokenShape('project', true));
      expect(body.token.project.name).toBe('local');
      expect(body.token.project.domain.name).toBe('default');
      expect(body.token.project.id).toMatch(ID32);
      expect(body.token.user.name).toBe('admin');
      expect(body.token.user.domain).toEqual(body.token.project.domain);
      expect(body.token.user.password_expires_at).toBe('');
      expect(body.token.methods).toEqual(['password']);
      expect(body.token.issued_at).toMatch(KEYSTONE_TIME);
      expect(body.token.expires_at).toMatch(KEYSTONE_TIME);
      expect(keystoneMs(body.token.issued_at)).toBe(kiln.clock.now());
      expect(keystoneMs(body.token.expires_at) - keystoneMs(body.token.issued_at)).toBe(DAY_MS);
      expect(body.token.catalog.length).toBeGreaterThan(0);
      expect(body.token.catalog[0].endpoints[0].interface).toBe('public');
      expect(body.token.catalog[0].endpoints[0].url).toMatch(/^https?:\/\//);
    });

    it('issues a domain-scoped token with the domain and no project', async () => {
      const res = await signIn(kiln, ADMIN, 'domain');
      expectOk(res, 201);
      const body = res.json();
      expectShape(body, tokenShape('domain', true));
      expect(body.token.domain.name).toBe('default');
      expect(body.token.domain.id).toBe(body.token.user.domain.id);
    });

    it.each(['project', 'domain'] as const)(
      'leaves the catalog out with ?nocatalog=true (%s scope)',
      async (scope) => {
        const res = await signIn(kiln, ADMIN, scope, '?nocatalog=true');
        expectOk(res, 201);
        expectShape(res.json(), tokenShape(scope, false));
      },
    );

    it('issues a different token at every sign-in, each of them usable', async () => {
      const a = await tokenOf(kiln, ADMIN);
      const b = await tokenOf(kiln, ADMIN);
      expect(a).not.toBe(b);
      for (const t of [a, b]) {
        expectOk(await kiln.call(t, { method: 'GET', url: '/v1/domain/project/related' }));
      }
    });

    it.each([
      ['a wrong password', { ...ADMIN, password: 'wrong-password-1' }],
      ['an unknown user', { ...ADMIN, name: 'nobody' }],
      ['an unknown domain', { ...ADMIN, domain: 'nowhere' }],
    ] as const)('answers %s with Keystone 401 "The username or password is wrong."', async (_label, who) => {
      const res = await signIn(kiln, who as Credentials);
      expectKeystoneError(res, 401, 'The username or password is wrong.');
      expect(res.headers['x-subject-token']).toBeUndefined();
    });

    it.each([
      ['no body', undefined],
      ['a body without auth', { identity: {} }],
      ['a body without the password', { auth: { identity: { methods: ['password'] } } }],
      [
        'a password that is not a string',
        {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'admin', password: 12345678, domain: { name: 'default' } } },
            },
          },
        },
      ],
    ])('answers %s with Keystone 400', async (_label, payload) => {
      const res = await kiln.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        headers: { 'content-type': 'application/json' },
        ...(payload !== undefined && { payload: JSON.stringify(payload) }),
      });
      expectKeystoneError(res, 400);
    });

    /** A sign-in body of the admin's with `change` applied to its `auth`. */
    const adminAuth = (change: (auth: SignInAuth) => void) => {
      const body = tokenRequest(ADMIN) as { auth: SignInAuth };
      change(body.auth);
      return body;
    };

    it.each([
      [
        'methods without "password"',
        adminAuth((a) => (a.identity.methods = ['token'])),
        /auth\.identity\.methods must include "password"/,
      ],
      [
        'a project scope with neither id nor name',
        adminAuth((a) => (a.scope = { project: {} })),
        /auth\.scope\.project needs its id or its name/,
      ],
      [
        'a domain scope with neither id nor name',
        adminAuth((a) => (a.scope = { domain: {} })),
        /auth\.scope\.domain needs its id or its name/,
      ],
      [
        'both a project and a domain scope',
        adminAuth((a) => (a.scope = { project: { name: 'local' }, domain: { name: 'default' } })),
        /auth\.scope holds a project or a domain, not both/,
      ],
      [
        'a user with neither id nor name',
        adminAuth((a) => delete a.identity.password.user.name),
        /auth\.identity\.password\.user needs its id or its name/,
      ],
    ])('answers %s with Keystone 400 naming the field, issuing nothing', async (_label, payload, message) => {
      const res = await kiln.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload });
      expectKeystoneError(res, 400, message);
      expect(res.headers['x-subject-token']).toBeUndefined();
    });

    it('answers a body that is not JSON with Keystone 400', async () => {
      const res = await kiln.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        headers: { 'content-type': 'application/json' },
        payload: '{"auth": {',
      });
      expectKeystoneError(res, 400);
    });

    it('refuses a disabled user with Keystone 401', async () => {
      const admin = await tokenOf(kiln, ADMIN);
      await createUser(kiln, admin, 'sleeper', 'sleeper-password-1');
      const off = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/sleeper',
        payload: { disabled: true },
      });
      expectOk(off);
      const res = await signIn(kiln, { name: 'sleeper', password: 'sleeper-password-1', domain: 'default' });
      expectKeystoneError(res, 401);
      expect(res.headers['x-subject-token']).toBeUndefined();
    });
  });

  describe('Identity: KeystoneValidateToken and KeystoneRevokeToken', () => {
    let kiln: TestKiln;
    let admin: string;
    const BOB: Credentials = { name: 'bob', password: 'bob-password-1', domain: 'default' };
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      await createUser(kiln, admin, BOB.name, BOB.password);
    });
    afterAll(() => kiln?.close());

    it('shows what a token grants: 200, X-Subject-Token echoed, the same Keystone body as at issue', async () => {
      const issued = await signIn(kiln, BOB);
      const subject = String(issued.headers['x-subject-token']);
      const res = await kiln.call(await tokenOf(kiln, BOB), {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': subject },
      });
      expectOk(res);
      expect(res.headers['x-subject-token']).toBe(subject);
      expectShape(res.json(), tokenShape('project', true));
      expect(res.json().token.user).toEqual(issued.json().token.user);
      expect(res.json().token.project).toEqual(issued.json().token.project);
      expect(res.json().token.expires_at).toBe(issued.json().token.expires_at);
    });

    it('shows a domain-scoped token with its domain, and leaves the catalog out with ?nocatalog=true', async () => {
      const subject = await tokenOf(kiln, BOB, 'domain');
      const res = await kiln.call(subject, {
        method: 'GET',
        url: '/v3/auth/tokens?nocatalog=true',
        headers: { 'x-subject-token': subject },
      });
      expectOk(res);
      expectShape(res.json(), tokenShape('domain', false));
    });

    it('answers a missing X-Subject-Token with Keystone 400 naming the header', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v3/auth/tokens' });
      expectKeystoneError(res, 400, /x-subject-token/i);
    });

    it('answers an unknown subject token with Keystone 404', async () => {
      const res = await kiln.call(admin, {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': 'kiln_unknown' },
      });
      expectKeystoneError(res, 404);
    });

    it("does not show a plain user another user's token (404), but shows a domain admin any token of the domain", async () => {
      const bob = await tokenOf(kiln, BOB);
      const theirs = await kiln.call(bob, {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': admin },
      });
      expectKeystoneError(theirs, 404);
      const adminLooks = await kiln.call(admin, {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': bob },
      });
      expectOk(adminLooks);
      expect(adminLooks.json().token.user.name).toBe('bob');
    });

    it('revokes a token: 204 with no body; the token then gets 401 "revoked" while the others live on', async () => {
      const doomed = await tokenOf(kiln, BOB);
      const kept = await tokenOf(kiln, BOB);
      const res = await kiln.call(kept, {
        method: 'DELETE',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': doomed },
      });
      expectOk(res, 204);
      expect(res.body).toBe('');
      const dead = await kiln.call(doomed, { method: 'GET', url: '/v1/domain/project/related' });
      expectCodeArtsError(dead, 401, 'APIGW.0301', /revoked/);
      const check = await kiln.call(kept, {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': doomed },
      });
      expectKeystoneError(check, 404);
      expectOk(await kiln.call(kept, { method: 'GET', url: '/v1/domain/project/related' }));
    });

    it('lets a token revoke itself', async () => {
      const self = await tokenOf(kiln, BOB);
      expectOk(
        await kiln.call(self, {
          method: 'DELETE',
          url: '/v3/auth/tokens',
          headers: { 'x-subject-token': self },
        }),
        204,
      );
      const after = await kiln.call(self, { method: 'GET', url: '/v1/kiln/users/me' });
      expectCodeArtsError(after, 401, 'APIGW.0301', /revoked/);
    });

    it("does not let a plain user revoke another user's token (404), and the token stays alive", async () => {
      const bob = await tokenOf(kiln, BOB);
      const adminToken = await tokenOf(kiln, ADMIN);
      const res = await kiln.call(bob, {
        method: 'DELETE',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': adminToken },
      });
      expectKeystoneError(res, 404);
      expectOk(await kiln.call(adminToken, { method: 'GET', url: '/v1/kiln/users/me' }));
    });

    it('revoking a token twice answers 404 the second time', async () => {
      const subject = await tokenOf(kiln, BOB);
      await revoke(kiln, admin, subject);
      const again = await kiln.call(admin, {
        method: 'DELETE',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': subject },
      });
      expectKeystoneError(again, 404);
    });
  });
});
