import { describe, expect, it } from 'vitest';
import { BUILD_NUMBER_TEXT, decimalUpTo } from '../../src/contract/common.ts';

describe('decimalUpTo: a pattern for the numbers 1 to max written as text', () => {
  const matcher = (body: string) => new RegExp(`^${body}$`, 'u');

  it('matches exactly 1 to max, without a leading zero, for maxima of every shape', () => {
    for (const max of [1, 7, 9, 10, 19, 20, 99, 100, 101, 109, 110, 250, 1000, 1009]) {
      const re = matcher(decimalUpTo(max));
      const wrong: number[] = [];
      for (let n = 0; n <= max * 3 + 20; n++) if (re.test(String(n)) !== (n > 0 && n <= max)) wrong.push(n);
      expect(wrong, `1..${max}`).toEqual([]);
      expect(re.test(`0${max}`)).toBe(false);
    }
  });

  it('takes every build number and nothing past the largest (PostgreSQL integer)', () => {
    const re = matcher(BUILD_NUMBER_TEXT);
    for (const n of ['1', '999999999', '1999999999', '2147483639', '2147483646', '2147483647'])
      expect(re.test(n), n).toBe(true);
    for (const n of ['0', '01', '2147483648', '2147483650', '2200000000', '9999999999', '21474836470'])
      expect(re.test(n), n).toBe(false);
  });
});
