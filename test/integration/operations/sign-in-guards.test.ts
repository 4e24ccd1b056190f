import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../src/engine/passwords.ts';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createUser,
  expectKeystoneError,
  onEveryStore,
  tokenOf,
  tokenRequest,
  type Credentials,
} from '../../helpers/foundation.ts';

/**
 * Identity: what keeps password guessing slow and sign-in floods harmless. Attempts are counted
 * per (user, address) and per address before the password is checked, in the database; unknown
 * user names are treated like real ones; password hashing takes turns.
 */

const ATTACKER = '203.0.113.66';
const OFFICE = '198.51.100.7';

function signInFrom(kiln: TestKiln, who: Credentials, address: string): Promise<LightMyRequestResponse> {
  return kiln.app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    payload: tokenRequest(who),
    remoteAddress: address,
  });
}

const statuses = (answers: LightMyRequestResponse[]) => answers.map((r) => r.statusCode);
const count = (answers: LightMyRequestResponse[], status: number) =>
  answers.filter((r) => r.statusCode === status).length;

/** Limits wide enough that only the throttle (not the line of password work) refuses anything. */
const WIDE = { concurrent: 2, total: 1000, perAddress: 1000 };

onEveryStore((store) => {
  describe('Identity: sign-in throttle', () => {
    let kiln: TestKiln;
    const VICTIM: Credentials = { name: 'victim', password: 'victim-password-1', domain: 'default' };
    const NOBODY: Credentials = { name: 'nobody', password: 'whatever-1', domain: 'default' };
    beforeAll(async () => {
      kiln = await createTestKiln({ store, passwordWork: WIDE });
      const admin = await tokenOf(kiln, ADMIN);
      await createUser(kiln, admin, VICTIM.name, VICTIM.password);
    });
    afterAll(() => kiln?.close());

    it('64 concurrent wrong passwords: five are checked (401), the other 59 refused unchecked (429)', async () => {
      const wrong = { ...VICTIM, password: 'guess' };
      const answers = await Promise.all(Array.from({ length: 64 }, () => signInFrom(kiln, wrong, ATTACKER)));
      expect(count(answers, 401)).toBe(5);
      expect(count(answers, 429)).toBe(59);
      for (const r of answers.filter((a) => a.statusCode === 429)) {
        expectKeystoneError(r, 429, /too many failed sign-ins for this user from this address/);
        expect(r.headers['retry-after']).toBe('1');
      }
      // Even the right password waits out the lock from that address ...
      expectKeystoneError(await signInFrom(kiln, VICTIM, ATTACKER), 429);
      // ... while the user signs in from their own.
      expect((await signInFrom(kiln, VICTIM, OFFICE)).statusCode).toBe(201);
    });

    it('an unknown user name gets the same answers, one for one, as a real one', async () => {
      const real = { ...VICTIM, password: 'guess' };
      const sequence = async (who: Credentials, address: string) => {
        const seen: LightMyRequestResponse[] = [];
        for (let i = 0; i < 7; i++) seen.push(await signInFrom(kiln, who, address));
        kiln.clock.advance(1000);
        seen.push(await signInFrom(kiln, who, address), await signInFrom(kiln, who, address));
        kiln.clock.advance(-1000);
        return seen;
      };
      const known = await sequence(real, '192.0.2.10');
      const unknown = await sequence(NOBODY, '192.0.2.11');
      expect(statuses(known)).toEqual([401, 401, 401, 401, 401, 429, 429, 401, 429]);
      expect(statuses(unknown)).toEqual(statuses(known));
      const shape = (r: LightMyRequestResponse) => [r.body, r.headers['retry-after']];
      expect(unknown.map(shape)).toEqual(known.map(shape));
      // Concurrent guesses too.
      const burst = (who: Credentials, address: string) =>
        Promise.all(Array.from({ length: 20 }, () => signInFrom(kiln, who, address)));
      const [k, u] = await Promise.all([burst(real, '192.0.2.12'), burst(NOBODY, '192.0.2.13')]);
      expect([count(k, 401), count(k, 429)]).toEqual([5, 15]);
      expect([count(u, 401), count(u, 429)]).toEqual([5, 15]);
    });

    it('an address guessing across many names is slowed, for every name; other addresses are not', async () => {
      const address = '192.0.2.20';
      const answers: LightMyRequestResponse[] = [];
      for (let i = 0; i < 26; i++) {
        answers.push(await signInFrom(kiln, { ...NOBODY, name: `spray-${i}` }, address));
      }
      expect(count(answers, 401)).toBe(25);
      expectKeystoneError(answers[25]!, 429, /too many failed sign-ins from this address; try again in 1 s/);
      expectKeystoneError(await signInFrom(kiln, ADMIN, address), 429);
      expect((await signInFrom(kiln, ADMIN, OFFICE)).statusCode).toBe(201);
      kiln.clock.advance(1000);
      expect((await signInFrom(kiln, ADMIN, address)).statusCode).toBe(201);
    });

    it('the admin account cannot be locked: an attacker address is slowed, admin from elsewhere signs in', async () => {
      const guess = { ...ADMIN, password: 'admin-guess' };
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all(
          Array.from({ length: 16 }, () => signInFrom(kiln, guess, ATTACKER)),
        );
        expect(count(answers, 201)).toBe(0);
        expect(count(answers, 429)).toBeGreaterThan(0);
        expect((await signInFrom(kiln, ADMIN, OFFICE)).statusCode).toBe(201);
        kiln.clock.advance(60_000);
      }
    });

    it('replaces a hash of older, weaker parameters at the next successful sign-in', async () => {
      const admin = await tokenOf(kiln, ADMIN);
      const id = await createUser(kiln, admin, 'old-hash', 'old-hash-password-1');
      // The test server hashes at cost 10 (as production at 17); this one was made at 9.
      const weak = await hashPassword('old-hash-password-1', 9);
      await kiln.storage.users.setPassword(id, weak, kiln.clock.now());
      const who = { name: 'old-hash', password: 'old-hash-password-1', domain: 'default' };
      expect((await signInFrom(kiln, who, OFFICE)).statusCode).toBe(201);
      const stored = (await kiln.storage.users.findCredentialsById(id))?.passwordHash ?? '';
      expect(stored).toMatch(/^scrypt\$1024\$8\$1\$/);
      expect(stored).not.toBe(weak);
      expect((await signInFrom(kiln, who, OFFICE)).statusCode).toBe(201);
      expect((await kiln.storage.users.findCredentialsById(id))?.passwordHash).toBe(stored);
    });
  });
});

describe('Identity: a sign-in flood does not starve a normal sign-in', () => {
  let kiln: TestKiln;
  let release: () => void;
  let held: Promise<unknown>[];
  beforeAll(async () => {
    // The default limits: 2 hashes at once, 8 sign-ins in progress, 2 per address.
    kiln = await createTestKiln();
    await createUser(kiln, await tokenOf(kiln, ADMIN), 'victim', 'victim-password-1');
  });
  afterAll(() => kiln?.close());

  /** Holds both hashing turns, as two long hashes would, until `release()`. */
  function holdTurns(): void {
    const gate = new Promise<void>((resolve) => (release = resolve));
    held = [0, 1].map(() => kiln.engine.auth.work.run(() => gate));
  }

  /** Resolves once `n` of `answers` have come back. */
  function firstAnswers(
    answers: Promise<LightMyRequestResponse>[],
    n: number,
  ): Promise<LightMyRequestResponse[]> {
    const back: LightMyRequestResponse[] = [];
    return new Promise((resolve) => {
      for (const a of answers) {
        void a.then((r) => {
          back.push(r);
          if (back.length === n) resolve([...back]);
        });
      }
    });
  }

  it('one address: all but its share of the line refused at once with 429; a user elsewhere is served', async () => {
    holdTurns();
    const flood = Array.from({ length: 64 }, (_, i) =>
      signInFrom(
        kiln,
        { name: `victim${i % 2 ? '' : '-x'}`, password: 'guess', domain: 'default' },
        ATTACKER,
      ),
    );
    // These 62 come back while no hash can run: they waited for none.
    const refused = await firstAnswers(flood, 62);
    for (const r of refused) expectKeystoneError(r, 429, /too many sign-ins in progress/);
    expect(refused.every((r) => r.headers['retry-after'] === '1')).toBe(true);
    expect(kiln.engine.auth.work.load.inProgress).toBe(2);

    const legit = signInFrom(kiln, ADMIN, OFFICE);
    release();
    await Promise.all(held);
    expect((await legit).statusCode).toBe(201);
    expect(statuses(await Promise.all(flood)).filter((s) => s === 401)).toHaveLength(2);
  });

  it('many addresses: the line holds 8, the rest are refused at once, and it serves again as it moves', async () => {
    holdTurns();
    const flood = Array.from({ length: 40 }, (_, i) =>
      signInFrom(kiln, { ...ADMIN, password: 'guess' }, `10.1.0.${i + 1}`),
    );
    const refused = await firstAnswers(flood, 32);
    for (const r of refused) expectKeystoneError(r, 429, /too many sign-ins in progress/);
    expect(kiln.engine.auth.work.load.inProgress).toBe(8);
    release();
    await Promise.all(held);
    expect(statuses(await Promise.all(flood)).filter((s) => s === 401)).toHaveLength(8);
    expect((await signInFrom(kiln, ADMIN, OFFICE)).statusCode).toBe(201);
  });
});
