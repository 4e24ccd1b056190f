import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/cmd/config.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';

/**
 * The request rate limit (KILN_RATE_LIMIT) and whose address it counts (KILN_TRUST_PROXY): the
 * health probes are never limited; behind a trusted proxy each X-Forwarded-For client has its own
 * count; without one the header is ignored, so a client cannot dodge the limit by sending it.
 */

const PROJECTS = '/v3/auth/tokens';

/** A request that the limit counts (unauthenticated: a 401 is fine, a 429 is the point). */
function call(kiln: TestKiln, forwardedFor?: string) {
  return kiln.app.inject({
    method: 'GET',
    url: PROJECTS,
    ...(forwardedFor && { headers: { 'x-forwarded-for': forwardedFor } }),
  });
}

describe('rate limit', () => {
  describe('health probes', () => {
    let kiln: TestKiln;
    beforeAll(async () => {
      kiln = await createTestKiln({ rateLimitPerMinute: 2 });
    });
    afterAll(() => kiln?.close());

    it('never answers /healthz or /readyz with 429, even when the client has used up its limit', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(kiln)).statusCode);
      expect(statuses[2]).toBe(429);
      for (let i = 0; i < 10; i++) {
        for (const url of ['/healthz', '/readyz']) {
          const res = await kiln.app.inject({ method: 'GET', url });
          expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
        }
      }
    });
  });

  describe('without KILN_TRUST_PROXY', () => {
    let kiln: TestKiln;
    beforeAll(async () => {
      kiln = await createTestKiln({ rateLimitPerMinute: 1 });
    });
    afterAll(() => kiln?.close());

    it('ignores X-Forwarded-For: a client sending another address each time is still counted as one', async () => {
      expect((await call(kiln, '10.0.0.1')).statusCode).not.toBe(429);
      const second = await call(kiln, '10.0.0.2');
      expect(second.statusCode).toBe(429);
      expect(second.body).toMatch(/more than 1 requests a minute/);
    });
  });

  describe.each([
    ['true', true],
    ['a hop count', 1],
    ['the proxy address', ['127.0.0.1']],
  ] as const)('with KILN_TRUST_PROXY = %s', (_what, trustProxy) => {
    let kiln: TestKiln;
    beforeAll(async () => {
      kiln = await createTestKiln({
        rateLimitPerMinute: 1,
        trustProxy: trustProxy as boolean | number | string[],
      });
    });
    afterAll(() => kiln?.close());

    it('counts each X-Forwarded-For client apart', async () => {
      expect((await call(kiln, '203.0.113.1')).statusCode).not.toBe(429);
      expect((await call(kiln, '203.0.113.2')).statusCode).not.toBe(429);
      expect((await call(kiln, '203.0.113.1')).statusCode).toBe(429);
      expect((await call(kiln, '203.0.113.2')).statusCode).toBe(429);
    });
  });

  describe('KILN_TRUST_PROXY parsing', () => {
    it.each([
      ['false', false],
      ['true', true],
      ['2', 2],
      ['10.0.0.1', ['10.0.0.1']],
      ['10.0.0.0/8, fd00::/8,loopback', ['10.0.0.0/8', 'fd00::/8', 'loopback']],
    ] as const)('reads %j', (value, expected) => {
      expect(parseConfig({ KILN_TRUST_PROXY: value }).trustProxy).toEqual(expected);
    });

    it('is off by default', () => {
      expect(parseConfig({}).trustProxy).toBe(false);
    });

    it.each(['yes', '0', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1,,10.0.0.2', '1.2.3.4/8/8'])(
      'refuses %j, naming the setting',
      (value) => {
        expect(() => parseConfig({ KILN_TRUST_PROXY: value })).toThrow(/KILN_TRUST_PROXY/);
      },
    );
  });
});
