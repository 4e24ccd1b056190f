import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationFor, sdkDate } from '../../src/contract/aksk-signing.ts';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, expectCodeArtsError, tokenOf, tokenRequest } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

// Two Kiln servers on one PostgreSQL database: what guards sign-in and AK/SK is in the database,
// so an attacker gains nothing by spreading guesses or replays over the servers.
describe.skipIf(!TEST_DATABASE_URL)('sign-in and AK/SK guards across servers', () => {
  const clock = new TestClock();
  let a: TestKiln;
  let b: TestKiln;
  const wide = { concurrent: 2, total: 1000, perAddress: 1000 };

  beforeAll(async () => {
    a = await createTestKiln({ store: 'postgres', clock, passwordWork: wide });
    b = await createTestKiln({ sharedDatabaseUrl: a.databaseUrl, clock, passwordWork: wide });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('64 concurrent wrong passwords spread over two servers: five are checked in all', async () => {
    const guess = { ...ADMIN, password: 'guess' };
    const answers = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        (i % 2 ? a : b).app.inject({
          method: 'POST',
          url: '/v3/auth/tokens',
          payload: tokenRequest(guess),
          remoteAddress: '203.0.113.66',
        }),
      ),
    );
    const count = (status: number) => answers.filter((r) => r.statusCode === status).length;
    expect([count(401), count(429)]).toEqual([5, 59]);
  });

  it('a signed POST served by one server is refused when replayed to the other', async () => {
    const token = await tokenOf(a, ADMIN);
    const jobId = await createJob(a, token, await a.defaultProjectId(), { job_name: 'replayed' });
    const key = await a.call(token, { method: 'POST', url: '/v1/kiln/access-keys', payload: {} });
    const { sk } = key.json().result;
    const ak = key.json().result.key.ak;
    const body = JSON.stringify({ job_id: jobId });
    const headers = {
      host: 'kiln.example',
      'content-type': 'application/json',
      'x-sdk-date': sdkDate(clock.now()),
    };
    const authorization = authorizationFor({
      method: 'POST',
      path: '/v3/jobs/build',
      query: [],
      headers,
      body,
      ak,
      sk,
    });
    const to = (server: TestKiln): Promise<LightMyRequestResponse> =>
      server.app.inject({
        method: 'POST',
        url: '/v3/jobs/build',
        headers: { ...headers, authorization },
        payload: body,
      });
    const first = await to(a);
    expect(first.statusCode, first.body).toBe(200);
    expectCodeArtsError(await to(b), 401, 'APIGW.0301', /this signature was already used/);
  });
});
