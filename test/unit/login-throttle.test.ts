import { describe, expect, it } from 'vitest';
import { lockDelayMs, PAIR_BACKOFF, throttledAddress } from '../../src/domain/login-throttle.ts';
import { DEFAULT_PASSWORD_COST, hashPassword, needsRehash } from '../../src/engine/passwords.ts';

describe('sign-in throttling rules', () => {
  it('waits 1 s after the fifth attempt, doubling up to 15 minutes', () => {
    const waits = [1, 4, 5, 6, 7, 14, 15, 16, 100].map((n) => lockDelayMs(PAIR_BACKOFF, n));
    expect(waits).toEqual([0, 0, 1000, 2000, 4000, 512_000, 900_000, 900_000, 900_000]);
  });

  it('counts IPv4 addresses whole and IPv6 addresses by their /64', () => {
    expect(throttledAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttledAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(throttledAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(throttledAddress('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(throttledAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttledAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttledAddress('::1')).toBe('0:0:0:0::/64');
  });
});

describe('password hashes', () => {
  it('are made at OWASP scrypt cost by default (N=2^17, r=8, p=1)', () => {
    expect(DEFAULT_PASSWORD_COST).toBe(17);
  });

  it('need rehashing when made with other parameters', async () => {
    const at10 = await hashPassword('pw', 10);
    expect(needsRehash(at10, 10)).toBe(false);
    expect(needsRehash(at10, 11)).toBe(true);
    expect(needsRehash(at10.replace('$8$1$', '$4$1$'), 10)).toBe(true);
    expect(needsRehash('scrypt$32768$8$1$salt$hash')).toBe(true);
    expect(needsRehash('scrypt$131072$8$1$salt$hash')).toBe(false);
  });
});
