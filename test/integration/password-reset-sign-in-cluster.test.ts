import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createUser, signIn, tokenOf } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

// Two Kiln servers on one PostgreSQL database: an administrator sets a user's password through one
// (SetUserPassword: "their tokens stop working") while the user signs in with the old password
// through the other. Whatever the order, once the new password is set no token got with the old
// one works: a sign-in that checked the old password before the change and stored its token after
// the change's revocation must not leave a live token behind (a leaked password reset by an
// administrator would otherwise keep its thief signed in for 24 hours).
describe.skipIf(!TEST_DATABASE_URL)('a password set while the old one signs in, across servers', () => {
  const clock = new TestClock();
  let a: TestKiln;
  let b: TestKiln;
  let adminB: string;

  beforeAll(async () => {
    a = await createTestKiln({ store: 'postgres', clock });
    b = await createTestKiln({ sharedDatabaseUrl: a.databaseUrl, clock });
    adminB = await tokenOf(b, ADMIN);
    await createUser(b, adminB, 'mallory', 'password-round-0');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a token got before the change stops working (the order that is not a race)', async () => {
    const before = await tokenOf(a, { name: 'mallory', password: 'password-round-0', domain: 'default' });
    const set = await b.call(adminB, {
      method: 'PUT',
      url: '/v1/kiln/users/mallory/password',
      payload: { password: 'password-round-0' },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect((await a.call(before, { method: 'GET', url: '/v1/kiln/users/me' })).statusCode).toBe(401);
  });

  it('no token got with the old password outlives the change', async () => {
    const live: string[] = [];
    for (let round = 0; round < 20; round++) {
      const old = { name: 'mallory', password: `password-round-${round}`, domain: 'default' };
      const [set, ...signIns] = await Promise.all([
        b.call(adminB, {
          method: 'PUT',
          url: '/v1/kiln/users/mallory/password',
          payload: { password: `password-round-${round + 1}` },
        }),
        ...Array.from({ length: 3 }, () => signIn(a, old)),
      ]);
      expect(set.statusCode, set.body).toBe(200);
      for (const answer of signIns) {
        if (answer.statusCode !== 201) continue;
        const token = String(answer.headers['x-subject-token']);
        const me = await a.call(token, { method: 'GET', url: '/v1/kiln/users/me' });
        if (me.statusCode === 200) live.push(`round ${round}`);
      }
    }
    expect(live).toEqual([]);
  });
});
