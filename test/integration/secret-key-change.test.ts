import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorizationFor, sdkDate } from '../../src/contract/aksk-signing.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { createApp } from '../../src/server/app.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import { param } from '../helpers/engine.ts';
import { TEST_PASSWORD_COST } from '../helpers/runner.ts';

// Sealed secrets need the key they were sealed with. A server started with another
// KILN_SECRET_KEY still shows such a job (its secrets masked) and lets an editor give them again;
// it refuses to build it with secrets it cannot open.

let kiln: TestKiln;
let other: FastifyInstance;
let token: string;
let jobId: string;
/** What the server with the other key logs at level error. */
const logged: string[] = [];

beforeAll(async () => {
  kiln = await createTestKiln();
  token = await kiln.token();
  const created = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/create',
    payload: jobBody(await kiln.defaultProjectId(), {
      job_name: 'sealed',
      scms: [{ url: 'https://bot:old-token@git.example.com/r.git', scm_type: 'git', branch: 'main' }],
      parameters: [param('TOKEN', 'old-default', true)],
    }),
  });
  jobId = created.json().result.job_id;
  const engine = createEngine({
    storage: kiln.storage,
    clock: kiln.clock,
    timeZone: 'UTC',
    secretKey: 'a-different-secret-key-0123',
    passwordCost: TEST_PASSWORD_COST,
  });
  other = await createApp({
    engine,
    logger: pino({ level: 'error' }, { write: (line: string) => void logged.push(line) }),
    metrics: createMetrics(),
  });
});
afterAll(async () => {
  await other?.close();
  await kiln?.close();
});

const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
  other.inject({ method, url, headers: { 'x-auth-token': token }, ...(payload && { payload }) });

it('shows the job with its secrets masked, refuses to build it, and takes new secrets', async () => {
  const shown = await call('GET', `/v3/jobs/${jobId}/query`);
  expect(shown.statusCode, shown.body).toBe(200);
  const doc = shown.json().result;
  expect(doc.scms[0].url).toBe('https://******@git.example.com/r.git');
  expect(doc.parameters[0].params).toContainEqual({ name: 'defaultValue', value: '******' });

  expect((await call('POST', '/v3/jobs/build', { job_id: jobId })).statusCode).toBe(500);

  const given = {
    ...doc,
    job_id: jobId,
    scms: [{ ...doc.scms[0], url: 'https://bot:new-token@git.example.com/r.git' }],
    parameters: [param('TOKEN', 'new-default', true)],
  };
  const updated = await call('POST', '/v3/jobs/update', given);
  expect(updated.statusCode, updated.body).toBe(200);
  expect((await call('POST', '/v3/jobs/build', { job_id: jobId })).statusCode).toBe(200);
});

it("logs, for an access key sealed with another key, that the key is not this server's KILN_SECRET_KEY", async () => {
  // Its log said only "Unsupported state or unable to authenticate data" at SecretBox.open.
  const created = await kiln.call(token, { method: 'POST', url: '/v1/kiln/access-keys', payload: {} });
  expect(created.statusCode, created.body).toBe(201);
  const { key, sk } = created.json().result;
  const path = `/v3/jobs/${jobId}/query`;
  const headers = { host: 'kiln.example', 'x-sdk-date': sdkDate(kiln.clock.now()) };
  const authorization = authorizationFor({
    method: 'GET',
    path,
    query: [],
    headers,
    body: undefined,
    ak: key.ak,
    sk,
  });
  const signed = await other.inject({ method: 'GET', url: path, headers: { ...headers, authorization } });
  expect(signed.statusCode).toBe(500);
  expect(logged.join('')).toContain(
    "a stored secret cannot be decrypted with this server's KILN_SECRET_KEY: it was sealed with another key",
  );
});
