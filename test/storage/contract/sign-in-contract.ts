import { describe, expect, it } from 'vitest';
import { newId32 } from '../../../src/domain/ids.ts';
import type { BackoffPolicy } from '../../../src/domain/login-throttle.ts';
import type { Storage } from '../../../src/storage/ports.ts';

/**
 * The part of the store contract that guards sign-in and AK/SK: throttle counters and used
 * signatures. Registered by runStoreContract, so every adapter runs it against a real database.
 */
export function signInGuardContract(storage: () => Storage): void {
  const now = 1_700_000_000_000;
  const policy: BackoffPolicy = { free: 3, baseMs: 1000, capMs: 5000, idleResetMs: 60_000 };

  describe('login throttles', () => {
    it('lets `free` attempts through, then locks for a doubling wait up to the cap', async () => {
      const t = storage().loginThrottles;
      const key = newId32();
      const seen = [];
      for (let i = 0; i < 3; i++) seen.push(await t.admit(key, now, policy));
      expect(seen).toEqual([
        { admitted: true, attempts: 1, lockedUntil: now },
        { admitted: true, attempts: 2, lockedUntil: now },
        { admitted: true, attempts: 3, lockedUntil: now + 1000 },
      ]);
      expect(await t.admit(key, now + 999, policy)).toEqual({ admitted: false, lockedUntil: now + 1000 });
      expect(await t.admit(key, now + 1000, policy)).toMatchObject({ attempts: 4, lockedUntil: now + 3000 });
      expect(await t.admit(key, now + 3000, policy)).toMatchObject({ attempts: 5, lockedUntil: now + 7000 });
      // 8 s would pass the 5 s cap.
      expect(await t.admit(key, now + 7000, policy)).toMatchObject({
        attempts: 6,
        lockedUntil: now + 12_000,
      });
      // Idle for idleResetMs: counting starts again.
      expect(await t.admit(key, now + 7000 + 60_000, policy)).toMatchObject({ admitted: true, attempts: 1 });
    });

    it('counts concurrent attempts one by one: no more than `free` get through at once', async () => {
      const key = newId32();
      const verdicts = await Promise.all(
        Array.from({ length: 30 }, () => storage().loginThrottles.admit(key, now, policy)),
      );
      expect(verdicts.filter((v) => v.admitted)).toHaveLength(3);
      expect(verdicts.filter((v) => !v.admitted && v.lockedUntil === now + 1000)).toHaveLength(27);
    });

    it('forgives an attempt (lifting the lock under `free`), clears, and deletes idle counters', async () => {
      const t = storage().loginThrottles;
      const key = newId32();
      for (let i = 0; i < 3; i++) await t.admit(key, now, policy);
      await t.forgive(key, policy);
      expect(await t.admit(key, now, policy)).toMatchObject({ admitted: true, attempts: 3 });
      await t.clear(key);
      expect(await t.admit(key, now, policy)).toMatchObject({ admitted: true, attempts: 1 });
      const old = newId32();
      await t.admit(old, now - 10_000, policy);
      expect(await t.deleteIdle(now - 5000)).toBeGreaterThanOrEqual(1);
      expect(await t.admit(old, now, policy)).toMatchObject({ attempts: 1 });
      expect(await t.admit(key, now, policy)).toMatchObject({ attempts: 2 });
    });
  });

  describe('used signatures', () => {
    it('records a signature once, even from concurrent requests, until it expires', async () => {
      const s = storage().usedSignatures;
      const signature = newId32() + newId32();
      const firsts = await Promise.all(Array.from({ length: 10 }, () => s.remember(signature, now + 1000)));
      expect(firsts.filter(Boolean)).toHaveLength(1);
      expect(await s.remember(signature, now + 1000)).toBe(false);
      expect(await s.deleteExpired(now + 1000)).toBe(0);
      expect(await s.deleteExpired(now + 1001)).toBeGreaterThanOrEqual(1);
      expect(await s.remember(signature, now + 2000)).toBe(true);
    });
  });
}
