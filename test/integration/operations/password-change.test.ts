import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  createUser,
  expectCodeArtsError,
  onEveryStore,
  signIn,
  tokenOf,
  tokenRequest,
  type Credentials,
} from '../../helpers/foundation.ts';

/**
 * Identity: ChangeOwnPassword (POST /v1/kiln/users/me/password) checks the old password with a
 * full scrypt verify, so it is guarded as a sign-in is (docs/security.md): counted by the sign-in
 * throttle under the same (user, address) key, or a stolen 24 h token would be an unlimited
 * password oracle (and a right guess a lasting account); and hashed with a place in the line of
 * password work, as is every hash a request causes (an administrator's new user, domain or
 * password too), or each request would run a 128 MiB scrypt beside the line's.
 */
onEveryStore((store) => {
  let kiln: TestKiln;
  let admin: string;
  beforeAll(async () => {
    // One hash at a time and one request in the line: the limiter is easy to fill.
    kiln = await createTestKiln({ store, passwordWork: { concurrent: 1, total: 1, perAddress: 1 } });
    admin = await kiln.token();
  });
  afterAll(() => kiln?.close());

  /** Runs `body` while a sign-in in progress holds the line's only place (its hash never finishes). */
  async function withLineFull(body: () => Promise<void>): Promise<void> {
    const place = kiln.engine.auth.work.enter('198.51.100.7');
    expect(place).toBeDefined();
    let release!: () => void;
    const held = place!.hash(() => new Promise<void>((resolve) => (release = resolve)));
    try {
      await body();
    } finally {
      release();
      await held;
      place!.leave();
    }
  }

  it('counts wrong old passwords like failed sign-ins: after 5 the change is refused with 429', async () => {
    const who: Credentials = { name: 'guessed', password: 'guessed-password-1', domain: 'default' };
    await createUser(kiln, admin, who.name, who.password);
    const stolen = await tokenOf(kiln, who);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await kiln.call(stolen, {
        method: 'POST',
        url: '/v1/kiln/users/me/password',
        payload: { old_password: `wrong-guess-${i}`, new_password: 'attacker-password-1' },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expectCodeArtsError(res, 429, 'CB.00060211', /too many failed sign-ins/);
    }
    // Sign-in gives 5 checks, then 429 (docs/security.md, "Sign-in lockout race").
    expect(statuses.filter((s) => s === 400).length, JSON.stringify(statuses)).toBeLessThanOrEqual(5);
    expect(statuses).toContain(429);
    // The same counter: the right password is refused at sign-in from that address too.
    expect((await signIn(kiln, who)).statusCode).toBe(429);
  });

  it('a right old password clears the count, as a successful sign-in does', async () => {
    const who: Credentials = { name: 'forgetful', password: 'forgetful-password-1', domain: 'default' };
    await createUser(kiln, admin, who.name, who.password);
    const change = (token: string, old: string, next: string) =>
      kiln.call(token, {
        method: 'POST',
        url: '/v1/kiln/users/me/password',
        payload: { old_password: old, new_password: next },
      });
    const token = await tokenOf(kiln, who);
    for (let i = 0; i < 4; i++)
      expect((await change(token, `not-it-${i}`, 'x-password-2')).statusCode).toBe(400);
    // The fifth check is the right one: it passes, and takes the count back to zero.
    expect((await change(token, who.password, 'forgetful-password-2')).statusCode).toBe(200);
    // A token from another address (a sign-in here would clear the count by itself).
    const fresh = await kiln.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: tokenRequest({ ...who, password: 'forgetful-password-2' }),
      remoteAddress: '192.0.2.99',
    });
    expect(fresh.statusCode, fresh.body).toBe(201);
    const again = String(fresh.headers['x-subject-token']);
    // Without the reset the fifth attempt's 1 s lock would refuse the next one.
    for (let i = 0; i < 4; i++)
      expect((await change(again, `not-it-${i}`, 'x-password-3')).statusCode).toBe(400);
  });

  it('hashes the old password in the password-work line: with the line full it answers 429 at once', async () => {
    const who: Credentials = { name: 'flooder', password: 'flooder-password-1', domain: 'default' };
    await createUser(kiln, admin, who.name, who.password);
    const token = await tokenOf(kiln, who);
    await withLineFull(async () => {
      // A sign-in is refused at once, as documented...
      expect((await signIn(kiln, { ...who, password: 'wrong-password' })).statusCode).toBe(429);
      // ...and so is a password change, rather than running its scrypt beside the held one.
      const change = await kiln.call(token, {
        method: 'POST',
        url: '/v1/kiln/users/me/password',
        payload: { old_password: 'wrong-password', new_password: 'flooder-password-2' },
      });
      expectCodeArtsError(change, 429, 'CB.00060211', /too many password changes in progress/);
      expect(change.headers['retry-after']).toBe('1');
    });
    // Refused unchecked: the attempt was not counted, and the line serves again once it moves.
    const change = await kiln.call(token, {
      method: 'POST',
      url: '/v1/kiln/users/me/password',
      payload: { old_password: who.password, new_password: 'flooder-password-2' },
    });
    expect(change.statusCode, change.body).toBe(200);
  });

  it("an administrator's new user, password and domain hash in the line too (429 while it is full)", async () => {
    await createUser(kiln, admin, 'reset-me', 'reset-me-password-1');
    const requests = [
      { method: 'POST', url: '/v1/kiln/users', payload: { name: 'queued', password: 'queued-password-1' } },
      {
        method: 'PUT',
        url: '/v1/kiln/users/reset-me/password',
        payload: { password: 'reset-me-password-2' },
      },
      {
        method: 'POST',
        url: '/v1/kiln/domains',
        payload: { name: 'tenant-q', admin_name: 'boss', admin_password: 'boss-password-1' },
      },
    ] as const;
    await withLineFull(async () => {
      for (const request of requests) {
        const res = await kiln.call(admin, request);
        expectCodeArtsError(res, 429, 'CB.00060211', /too many password hashes in progress/);
      }
    });
    for (const request of requests) {
      const res = await kiln.call(admin, request);
      expect([200, 201], `${request.url}: ${res.body}`).toContain(res.statusCode);
    }
  });
});
