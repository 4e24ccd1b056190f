import { describe, expect, it } from 'vitest';
import { newRecordId, runName } from '../../src/domain/ids.ts';

describe('newRecordId', () => {
  it('is a version 7 UUID: the time in ms first, then random bits with the RFC 9562 variant', () => {
    const before = Date.now();
    const id = newRecordId();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('sorts by creation time across milliseconds, and never repeats', async () => {
    const first = newRecordId();
    await new Promise((r) => setTimeout(r, 3));
    const second = newRecordId();
    expect(first < second).toBe(true);
    const many = new Set(Array.from({ length: 10_000 }, newRecordId));
    expect(many.size).toBe(10_000);
  });
});

describe('runName', () => {
  it("is k_ and the record id's random end, different for builds made in the same millisecond", () => {
    const a = newRecordId();
    const b = newRecordId();
    expect(runName(a)).toBe(`k_${a.slice(-8)}`);
    expect(runName(a)).not.toBe(runName(b));
  });

  it('keeps the name of a build stored before version 7 ids (the first 8 characters of its random id)', () => {
    expect(runName('3f0c9a1e-77b2-4c1d-9e8f-0a1b2c3d4e5f')).toBe('k_3f0c9a1e');
  });
});
