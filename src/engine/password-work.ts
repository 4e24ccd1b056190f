import { AppError } from '../domain/errors.ts';
import { throttledAddress } from '../domain/login-throttle.ts';

/**
 * Bounds the password hashing that callers can cause. scrypt at Kiln's cost takes 128 MiB and a
 * few hundred ms a hash, so a flood of sign-ins hashing all at once would exhaust memory and make
 * every sign-in slow. Instead a few hash at a time and the rest wait in order; a request that finds
 * the waiting line full, or its address already holding its share of it, is refused at once (429)
 * rather than piling up behind the flood. Every operation that hashes a password takes a place
 * (sign-in, a password change, an administrator's new user, domain or password): one left out
 * would be a way around the bound, and its hashes, queued without a place, would delay sign-ins.
 */

/** How much sign-in work may be under way. */
export interface PasswordWorkLimits {
  /** Hashes computed at once. */
  concurrent: number;
  /** Sign-ins in progress in all (hashing or waiting for a turn). */
  total: number;
  /** Sign-ins in progress from one client address. */
  perAddress: number;
}

/**
 * Two hashes at once (256 MiB at the default cost); 8 sign-ins in progress, so one that gets a place
 * waits behind at most seven others, two at a time (about four hash times); 2 per address, so it
 * takes four addresses to fill the line, and the rest are refused at once rather than delayed.
 */
export const DEFAULT_PASSWORD_WORK: PasswordWorkLimits = { concurrent: 2, total: 8, perAddress: 2 };

/** A place in the line: `hash` runs work when a turn is free; `leave` gives the place back. */
export interface PasswordWorkPlace {
  hash<T>(work: () => Promise<T>): Promise<T>;
  leave(): void;
}

/** The line of sign-ins and the turns at hashing (per server process). */
export class PasswordWork {
  private inProgress = 0;
  private readonly byAddress = new Map<string, number>();
  private hashing = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limits: PasswordWorkLimits = DEFAULT_PASSWORD_WORK) {}

  /** A place for a sign-in from `address`, or undefined when the line (or the address's share) is full. */
  enter(address: string): PasswordWorkPlace | undefined {
    const mine = this.byAddress.get(address) ?? 0;
    if (this.inProgress >= this.limits.total || mine >= this.limits.perAddress) return undefined;
    this.inProgress++;
    this.byAddress.set(address, mine + 1);
    let left = false;
    return {
      hash: (work) => this.run(work),
      leave: () => {
        if (left) return;
        left = true;
        this.inProgress--;
        const n = (this.byAddress.get(address) ?? 1) - 1;
        if (n === 0) this.byAddress.delete(address);
        else this.byAddress.set(address, n);
      },
    };
  }

  /**
   * Runs `body` with a place in the line for the client `address` (counted as the sign-in
   * throttle counts it: an IPv6 host by its /64), given back when it ends; refuses at once with
   * 429 `RATE_LIMITED` when there is none (`what` names the work in the message).
   */
  async inLine<T>(address: string, what: string, body: (place: PasswordWorkPlace) => Promise<T>): Promise<T> {
    const place = this.enter(throttledAddress(address));
    if (!place) {
      throw new AppError('RATE_LIMITED', `too many ${what} in progress; try again in 1 s`, {
        retryAfterSeconds: 1,
      });
    }
    try {
      return await body(place);
    } finally {
      place.leave();
    }
  }

  /** Runs `work` when fewer than `concurrent` hashes are under way, in arrival order. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.hashing >= this.limits.concurrent) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.hashing++;
    }
    try {
      return await work();
    } finally {
      // The turn passes straight to the next in line, so a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.hashing--;
    }
  }

  /** Sign-ins in progress and hashes waiting for a turn (for tests and metrics). */
  get load(): { inProgress: number; waiting: number } {
    return { inProgress: this.inProgress, waiting: this.waiting.length };
  }
}
