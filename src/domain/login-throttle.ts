/**
 * The rule that slows down password guessing. Every sign-in attempt is counted against two
 * counters before its password is checked: one for the (user, client address) pair and one for
 * the client address alone. A counter lets `free` attempts through at once; each attempt it lets
 * through after that locks it for a wait that doubles from `baseMs` up to `capMs`. An attempt that
 * arrives while a counter is locked is refused (429) without being checked or counted.
 *
 * There is deliberately no counter for a user across all addresses: whoever could lock it could
 * keep the real user (the `admin`) out for good. A guesser's address is slowed; the user signing
 * in from their own address is not.
 */

/** How one kind of counter slows down. */
export interface BackoffPolicy {
  /** Attempts let through before the first wait. */
  free: number;
  /** The first wait; each further attempt doubles it. */
  baseMs: number;
  /** The longest wait. */
  capMs: number;
  /** A counter idle this long (no attempt let through) starts again from zero. */
  idleResetMs: number;
}

/** The (user, address) pair: five tries, then 1 s, 2 s, 4 s ... up to 15 min. */
export const PAIR_BACKOFF: BackoffPolicy = {
  free: 5,
  baseMs: 1000,
  capMs: 15 * 60_000,
  idleResetMs: 24 * 3_600_000,
};

/**
 * One address, whatever the user names: more room (an office behind one NAT address shares it),
 * the same doubling. Counts only failures: a successful sign-in takes its own attempt back.
 */
export const ADDRESS_BACKOFF: BackoffPolicy = {
  free: 25,
  baseMs: 1000,
  capMs: 15 * 60_000,
  idleResetMs: 24 * 3_600_000,
};

/** Doublings before the wait reaches the cap: the smallest e with baseMs * 2^e >= capMs. */
export function doublingsToCap(policy: BackoffPolicy): number {
  let e = 0;
  while (policy.baseMs * 2 ** e < policy.capMs) e++;
  return e;
}

/** The wait set by the `attempts`-th attempt a counter lets through (0 while still free). */
export function lockDelayMs(policy: BackoffPolicy, attempts: number): number {
  const over = attempts - policy.free;
  if (over < 0) return 0;
  return over >= doublingsToCap(policy) ? policy.capMs : policy.baseMs * 2 ** over;
}

/**
 * The part of a client address that is counted: an IPv4 address whole, an IPv6 address by its
 * /64 prefix (one host is usually given a whole /64, so counting single addresses would let it
 * guess from a fresh address each time). IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as IPv4.
 */
export function throttledAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().replace(/%.*$/, '').split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail ? tail.split(':') : [];
  const zeros =
    tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  const prefix = [...left, ...zeros, ...right].slice(0, 4).map((g) => g.replace(/^0+(?=.)/, ''));
  return `${prefix.join(':')}::/64`;
}
