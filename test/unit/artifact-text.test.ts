import { describe, expect, it } from 'vitest';
import { formatBytes, shortSha256 } from '../../src/domain/artifact-text.ts';

describe('formatBytes', () => {
  it('reads in binary units with one decimal, bytes as they are', () => {
    expect(
      [0, 6, 1023, 1024, 1536, 1_000_000, 1_500_000, 1024 ** 3 * 1.25, 1024 ** 4 * 3, 1024 ** 5].map(
        formatBytes,
      ),
    ).toEqual([
      '0 B',
      '6 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '976.6 KiB',
      '1.4 MiB',
      '1.3 GiB',
      '3.0 TiB',
      '1024.0 TiB',
    ]);
  });

  it('steps up a unit rather than print 1024.0', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MiB');
    expect(formatBytes(1024 ** 3 - 1)).toBe('1.0 GiB');
  });

  it('says ? for a size it does not know', () => {
    expect(formatBytes(Number.NaN)).toBe('? B');
  });
});

describe('shortSha256', () => {
  it('keeps the first 12 hex digits', () => {
    expect(shortSha256('0123456789abcdef'.repeat(4))).toBe('0123456789ab');
  });
});
