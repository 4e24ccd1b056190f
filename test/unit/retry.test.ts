import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.ts';
import { Backoff, isTransient, isTransientStatus, retry } from '../../src/domain/retry.ts';
import { LeaseLostError, LogCapError, LogGapError } from '../../src/protocol/runner-protocol.ts';
import { PeerUnavailableError } from '../../src/runner/http-peer.ts';

const tiny = { firstMs: 1, maxMs: 4 };

describe('Backoff', () => {
  it('doubles up to the ceiling, each wait drawn from the upper half of its step, and starts over on reset', () => {
    const low = new Backoff({ firstMs: 100, maxMs: 1_000 }, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ firstMs: 100, maxMs: 1_000 }, () => 1);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1_000]);
    high.reset();
    expect(high.next()).toBe(100);
    const jittered = new Backoff({ firstMs: 100, maxMs: 1_000 });
    const waits = Array.from({ length: 50 }, () => {
      jittered.reset();
      return jittered.next();
    });
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...waits)).toBeLessThanOrEqual(100);
    expect(new Set(waits).size).toBeGreaterThan(1);
  });
});

describe('isTransient', () => {
  it('retries faults and passing states, never decisions or refused credentials', () => {
    expect(isTransient(new Error('ECONNRESET'))).toBe(true);
    expect(isTransient(new PeerUnavailableError('cannot reach'))).toBe(true);
    expect(isTransient(new PeerUnavailableError('busy', 503))).toBe(true);
    expect(isTransient(new PeerUnavailableError('slow down', 429))).toBe(true);
    expect(isTransient(new PeerUnavailableError('refused', 401))).toBe(false);
    expect(isTransient(new PeerUnavailableError('refused', 403))).toBe(false);
    expect(isTransient(new PeerUnavailableError('bad request', 400))).toBe(false);
    expect(isTransient(new LeaseLostError('r'))).toBe(false);
    expect(isTransient(new LogGapError(10))).toBe(false);
    expect(isTransient(new LogCapError('capped'))).toBe(false);
    expect(isTransient(new AppError('STORE_UNAVAILABLE', 'down'))).toBe(true);
    expect(isTransient(new AppError('FORBIDDEN', 'no'))).toBe(false);
    expect(isTransient(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false);
    expect([408, 429, 500, 503].every(isTransientStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 413, 416].some(isTransientStatus)).toBe(false);
  });
});

describe('retry', () => {
  it('retries transient failures until the call succeeds, telling of each retry', async () => {
    const told: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 4) throw new Error('ECONNREFUSED');
        return attempt;
      },
      { backoff: tiny, onRetry: (_e, attempt) => told.push(attempt) },
    );
    expect(result).toBe(4);
    expect(told).toEqual([1, 2, 3]);
  });

  it('throws a failure that is not transient at once: a refused token is asked once', async () => {
    let calls = 0;
    const refused = new PeerUnavailableError('the server refused the runner token (401)', 401);
    await expect(
      retry(
        async () => {
          calls++;
          throw refused;
        },
        { backoff: tiny },
      ),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('gives up with the last error once its patience is spent', async () => {
    let clock = 0;
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          clock += 1_000;
          throw new Error(`fault ${calls}`);
        },
        { backoff: tiny, patienceMs: 3_500, now: () => clock },
      ),
    ).rejects.toThrow('fault 4');
    expect(calls).toBe(4);
  });

  it('stops waiting when its signal is aborted', async () => {
    const stop = new AbortController();
    let calls = 0;
    const done = retry(
      async () => {
        calls++;
        if (calls === 2) stop.abort();
        throw new Error('down');
      },
      { backoff: { firstMs: 1, maxMs: 1 }, signal: stop.signal },
    );
    await expect(done).rejects.toThrow('down');
    expect(calls).toBe(2);
  });

  it('makes no attempt more once its signal is aborted during a wait, throwing the last error', async () => {
    const stop = new AbortController();
    let calls = 0;
    const done = retry(
      async () => {
        calls++;
        setTimeout(() => stop.abort(), 5);
        throw new Error(`down ${calls}`);
      },
      { backoff: { firstMs: 60_000, maxMs: 60_000 }, signal: stop.signal },
    );
    await expect(done).rejects.toThrow('down 1');
    expect(calls).toBe(1);
  });

  it('gives up with the last error after `attempts` calls', async () => {
    let calls = 0;
    const done = retry(
      async () => {
        calls++;
        throw new Error(`down ${calls}`);
      },
      { backoff: tiny, attempts: 2 },
    );
    await expect(done).rejects.toThrow('down 2');
    expect(calls).toBe(2);
  });
});
