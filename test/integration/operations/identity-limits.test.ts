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
import { DAY_MS, expectOk } from './common.ts';

/**
 * Identity: how long a token lives, and the throttling of failed sign-ins.
 */

onEveryStore((store) => {
  describe('Identity: token lifetime', () => {
    let kiln: TestKiln;
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
    });
    afterAll(() => kiln?.close());

    it('keeps a token alive for 24 h and answers 401 "token expires" after', async () => {
      const token = await tokenOf(kiln, ADMIN);
      kiln.clock.advance(DAY_MS - 1000);
      expectOk(await kiln.call(token, { method: 'GET', url: '/v1/domain/project/related' }));
      kiln.clock.advance(2000);
      const late = await kiln.call(token, { method: 'GET', url: '/v1/domain/project/related' });
      expectCodeArtsError(late, 401, 'APIGW.0301', /token expires/);
      const check = await kiln.call(await tokenOf(kiln, ADMIN), {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': token },
      });
      expectKeystoneError(check, 404);
    });
  });

  describe('Identity: throttled sign-in', () => {
    let kiln: TestKiln;
    const SLOW: Credentials = { name: 'slow', password: 'slow-password-1', domain: 'default' };
    const WRONG = { ...SLOW, password: 'not-the-password' };
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      await createUser(kiln, await tokenOf(kiln, ADMIN), SLOW.name, SLOW.password);
    });
    afterAll(() => kiln?.close());

    it('after 5 failures answers 429 with Retry-After, even to the right password, until the wait has passed', async () => {
      for (let i = 1; i <= 5; i++) {
        expectKeystoneError(await signIn(kiln, WRONG), 401, 'The username or password is wrong.');
      }
      const locked = await signIn(kiln, SLOW);
      expectKeystoneError(locked, 429);
      expect(locked.headers['x-subject-token']).toBeUndefined();
      const retryAfter = String(locked.headers['retry-after']);
      expect(retryAfter).toMatch(/^[1-9]\d*$/);

      // Somebody else is not slowed down.
      expectOk(await signIn(kiln, ADMIN), 201);

      kiln.clock.advance(Number(retryAfter) * 1000 - 1000);
      expectKeystoneError(await signIn(kiln, SLOW), 429);
      kiln.clock.advance(1000);
      expectOk(await signIn(kiln, SLOW), 201);
    });

    it('starts counting afresh after a successful sign-in', async () => {
      expectOk(await signIn(kiln, SLOW), 201);
      for (let i = 1; i <= 4; i++) expectKeystoneError(await signIn(kiln, WRONG), 401);
      expectOk(await signIn(kiln, SLOW), 201);
    });
  });
});
