import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { createUser, onEveryStore, tokenOf, type Credentials } from '../helpers/foundation.ts';

/**
 * ChangeOwnPassword (POST /v1/kiln/users/me/password) checks the old password with a full scrypt
 * verify. docs/security.md promises that every password check is counted (5 checks, then 429 with
 * doubling waits) and that "at most two hashes run at a time, with 8 sign-ins in progress ... a
 * flood beyond that gets 429 at once". Both only hold for POST /v3/auth/tokens: the password change
 * is an unthrottled password oracle for whoever holds a token (a stolen 24 h token becomes the
 * password, hence persistent access), and each request runs a 128 MiB scrypt outside the line.
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
    }
    // Sign-in gives 5 checks, then 429 (docs/security.md, "Sign-in lockout race").
    expect(statuses.filter((s) => s === 400).length, JSON.stringify(statuses)).toBeLessThanOrEqual(5);
    expect(statuses).toContain(429);
  });

  it('hashes the old password in the password-work line: with the line full it answers 429 at once', async () => {
    const who: Credentials = { name: 'flooder', password: 'flooder-password-1', domain: 'default' };
    await createUser(kiln, admin, who.name, who.password);
    const token = await tokenOf(kiln, who);
    // Fill the line as a sign-in in progress would (its hash never finishes while we look).
    const place = kiln.engine.auth.work.enter('198.51.100.7');
    expect(place).toBeDefined();
    let release!: () => void;
    const held = place!.hash(() => new Promise<void>((resolve) => (release = resolve)));
    try {
      // A sign-in is refused at once, as documented...
      const signIn = await kiln.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: who.name, password: 'wrong-password', domain: { name: 'default' } } },
            },
            scope: { project: { name: 'local' } },
          },
        },
      });
      expect(signIn.statusCode).toBe(429);
      // ...but a password change still runs its scrypt beside the held one.
      const change = await kiln.call(token, {
        method: 'POST',
        url: '/v1/kiln/users/me/password',
        payload: { old_password: 'wrong-password', new_password: 'flooder-password-2' },
      });
      expect(change.statusCode, change.body).toBe(429);
    } finally {
      release();
      await held;
      place!.leave();
    }
  });
});

