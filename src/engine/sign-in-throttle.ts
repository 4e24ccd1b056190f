import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import { ADDRESS_BACKOFF, PAIR_BACKOFF, throttledAddress } from '../domain/login-throttle.ts';
import type { Storage, Stores } from '../storage/ports.ts';
import { tokenHash } from './secret-box.ts';

/** The counters one sign-in attempt was counted against. */
export interface Admission {
  pairKey: string;
  addressKey: string;
}

/**
 * The subject of an attempt on a known user's password. Every check of that password (a sign-in,
 * the old password of a change) is counted under it, so guesses add up whichever way they come.
 */
export function userSubject(userId: string): string {
  return `user\0${userId}`;
}

/** Thrown inside the counting transaction to undo it: a refused attempt counts for nothing. */
class Refused extends Error {
  constructor(
    readonly lockedUntil: number,
    readonly which: 'pair' | 'address',
  ) {
    super('refused');
  }
}

/**
 * Sign-in throttling (the rule is in domain/login-throttle.ts). `subject` names who the attempt
 * is for in a way that does not depend on whether that user exists, so an unknown user name is
 * counted, locked and answered exactly like a real one.
 */
export class SignInThrottle {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /**
   * Counts the attempt against its (subject, address) pair and its address before the password is
   * checked, or throws LOGIN_THROTTLED when either is locked. Both counts are one transaction, so
   * an attempt refused by one counter leaves the other as it was.
   */
  async admit(subject: string, ip: string): Promise<Admission> {
    const address = throttledAddress(ip);
    const admission = {
      pairKey: tokenHash(`pair\0${subject}\0${address}`),
      addressKey: tokenHash(`address\0${address}`),
    };
    const now = this.clock.now();
    try {
      // Address first, then pair: every transaction locks rows in the same order (no deadlock).
      await this.storage.transaction(async (tx: Stores) => {
        const byAddress = await tx.loginThrottles.admit(admission.addressKey, now, ADDRESS_BACKOFF);
        if (!byAddress.admitted) throw new Refused(byAddress.lockedUntil, 'address');
        const byPair = await tx.loginThrottles.admit(admission.pairKey, now, PAIR_BACKOFF);
        if (!byPair.admitted) throw new Refused(byPair.lockedUntil, 'pair');
      });
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      const wait = Math.max(1, Math.ceil((error.lockedUntil - now) / 1000));
      const whose = error.which === 'pair' ? 'for this user from this address' : 'from this address';
      throw new AppError('LOGIN_THROTTLED', `too many failed sign-ins ${whose}; try again in ${wait} s`, {
        retryAfterSeconds: wait,
      });
    }
    return admission;
  }

  /** The attempt succeeded: its pair starts afresh, and its address gets the attempt back. */
  async succeeded(admission: Admission): Promise<void> {
    await this.storage.loginThrottles.clear(admission.pairKey);
    await this.storage.loginThrottles.forgive(admission.addressKey, ADDRESS_BACKOFF);
  }

  /** Deletes counters that would start from zero anyway. */
  async purgeIdle(): Promise<number> {
    const idle = Math.max(PAIR_BACKOFF.idleResetMs, ADDRESS_BACKOFF.idleResetMs);
    return this.storage.loginThrottles.deleteIdle(this.clock.now() - idle);
  }
}
