import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/domain/duration.ts';

describe('formatDuration', () => {
  it('reads for people at every scale', () => {
    expect([0, 850, 4_230, 42_100, 185_000, 3_599_000, 7_620_000].map(formatDuration)).toEqual([
      '0 ms',
      '850 ms',
      '4.2 s',
      '42 s',
      '3 min 5 s',
      '59 min 59 s',
      '2 h 7 min',
    ]);
  });

  it('shows a dash for what is not a duration', () => {
    expect([-1, Number.NaN, Number.POSITIVE_INFINITY].map(formatDuration)).toEqual(['–', '–', '–']);
  });
});
